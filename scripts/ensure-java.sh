#!/usr/bin/env bash
# Make sure a Java runtime is on the PATH for the Spark engine's tests (pyspark runs Spark on it):
# install Debian's OpenJDK 17 when missing. When it cannot be installed, say so and carry on: the
# Spark tests are then skipped with that reason printed, and every other test still runs.
set -uo pipefail
if command -v java >/dev/null 2>&1; then
  echo "ensure-java: $(java -version 2>&1 | head -n 1)"
  exit 0
fi
echo "ensure-java: installing openjdk-17-jre-headless from Debian packages"
if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null) 2>&1; then
  echo "ensure-java: $(java -version 2>&1 | head -n 1)"
else
  echo "ensure-java: Java could not be installed; the Spark engine's tests will be skipped" >&2
fi
