#!/usr/bin/env bash
# Builds the Iceberg reader harness (integration/iceberg): fetches org.apache.iceberg:iceberg-core,
# iceberg-data, iceberg-parquet, Parquet and the Hadoop client classes they need from Maven
# Central into ~/.m2, compiles Probe.java and copies the runtime jars to target/dependency.
# Idempotent: does nothing when the harness is already built and up to date.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/integration/iceberg"
stamp="$dir/target/.weft-built"

command -v mvn >/dev/null || { echo "setup-iceberg: mvn is not installed (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "setup-iceberg: java is not installed (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ "${java_major%%.*}" -lt 17 ]] 2>/dev/null; then
  echo "setup-iceberg: the harness is built for Java 17+, found java.specification.version=$java_major" >&2; exit 1
fi

if [[ -f "$stamp" && "$stamp" -nt "$dir/pom.xml" \
      && -z "$(find "$dir/src" -newer "$stamp" -type f -print -quit)" ]]; then
  echo "setup-iceberg: harness already built ($dir/target)"
  exit 0
fi

cd "$dir"
# A dependency dir left by an older pom would keep stale jars on the classpath.
rm -rf target/dependency
mvn -B -q package -DskipTests
mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/dependency
touch "$stamp"
echo "setup-iceberg: built $dir/target (run: java -cp 'target/classes:target/dependency/*' dev.weft.iceberg.Probe count LOCATION)"
