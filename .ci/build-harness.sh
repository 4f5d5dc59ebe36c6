#!/usr/bin/env bash
# Builds one Java test harness under integration/<NAME> with Maven: fetches its dependencies
# from Maven Central into ~/.m2, compiles src/main/java to target/classes and copies the
# runtime jars to target/dependency. Idempotent: does nothing when the harness is already
# built and up to date (a stamp newer than the pom and every source).
#   usage: .ci/build-harness.sh NAME "how to run it"
# Needs Java 17+ and Maven.
set -euo pipefail

name="$1"
usage="${2:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/integration/$name"
stamp="$dir/target/.weft-built"

command -v mvn >/dev/null || { echo "setup-$name: mvn is not installed (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "setup-$name: java is not installed (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ "${java_major%%.*}" -lt 17 ]] 2>/dev/null; then
  echo "setup-$name: the harness needs Java 17+, found java.specification.version=$java_major" >&2; exit 1
fi

if [[ -f "$stamp" && "$stamp" -nt "$dir/pom.xml" \
      && -z "$(find "$dir/src" -newer "$stamp" -type f -print -quit)" ]]; then
  echo "setup-$name: harness already built ($dir/target)"
  exit 0
fi

cd "$dir"
# A dependency dir left by an older pom would keep stale jars on the classpath.
rm -rf target/dependency
mvn -B -q package -DskipTests
mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/dependency
touch "$stamp"
echo "setup-$name: built $dir/target${usage:+ (run: $usage)}"
