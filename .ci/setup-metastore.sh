#!/usr/bin/env bash
# Builds the Hive Metastore harness (integration/metastore): fetches
# org.apache.hive:hive-standalone-metastore (3.1.3), the Hadoop client jars it calls and Derby
# from Maven Central into ~/.m2, compiles Main.java/Probe.java and copies the runtime jars to
# target/dependency. Idempotent: does nothing when the harness is already built and up to date.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/integration/metastore"
stamp="$dir/target/.weft-built"

command -v mvn >/dev/null || { echo "setup-metastore: mvn is not installed (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "setup-metastore: java is not installed (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

if [[ -f "$stamp" && "$stamp" -nt "$dir/pom.xml" \
      && -z "$(find "$dir/src" -newer "$stamp" -type f -print -quit)" ]]; then
  echo "setup-metastore: harness already built ($dir/target)"
  exit 0
fi

cd "$dir"
mvn -B -q package -DskipTests
rm -rf target/dependency
mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/dependency
touch "$stamp"
echo "setup-metastore: built $dir/target (run: java -cp 'target/classes:target/dependency/*' dev.weft.metastore.Main WORK_DIR)"
