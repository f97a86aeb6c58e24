#!/usr/bin/env bash
# Finds a Java >= 21 for this project. Sourced by ./actions:
#
#   . bin/find-java.sh
#   find_java || exit 1
#
# On success it sets ACTIONS_JAVA (the java binary), ACTIONS_JAVA_HOME (its home) and
# ACTIONS_JAVA_MAJOR (its feature version). Run as a command (./mvnw does), it prints the home.
# Candidates, in order: $JAVA_HOME/bin/java, `java` on the PATH, then the newest JDK in the usual
# install folders (JDK_FOLDERS below). A candidate older than 21 is skipped. On failure it prints one
# line on stderr naming what it found, and returns 1.

ACTIONS_MIN_JAVA=21

# Where JDKs are installed when neither JAVA_HOME nor the PATH names one: Debian/Ubuntu packages and
# Temurin's, SDKMAN!, IntelliJ's downloads, hand-unpacked archives, macOS. ACTIONS_JDK_FOLDERS
# (colon-separated) replaces the list.
if [ -n "${ACTIONS_JDK_FOLDERS:-}" ]; then
    IFS=: read -r -a JDK_FOLDERS <<<"$ACTIONS_JDK_FOLDERS"
else
    JDK_FOLDERS=(/usr/lib/jvm "$HOME/.sdkman/candidates/java" "$HOME/.jdks" /opt /opt/java /usr/local
        /Library/Java/JavaVirtualMachines)
fi

# The feature version of a java binary, from `java -version`: "17.0.15" -> 17, "21" -> 21,
# "25.0.1" -> 25, "25-ea" -> 25, "1.8.0_402" -> 8. Prints nothing when it cannot tell.
java_major_version() {
    local out version
    out=$("$1" -version 2>&1) || return 1
    version=$(printf '%s\n' "$out" | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    [ -n "$version" ] || return 1
    case "$version" in
        1.*) version=${version#1.} ;;
    esac
    version=${version%%[!0-9]*}
    [ -n "$version" ] || return 1
    printf '%s\n' "$version"
}

find_java() {
    local candidate major seen="" best="" best_major=0
    local -a candidates=()
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")

    for candidate in "${candidates[@]}"; do
        [ -x "$candidate" ] || continue
        major=$(java_major_version "$candidate") || continue
        if [ "$major" -ge "$ACTIONS_MIN_JAVA" ]; then
            _actions_use_java "$candidate" "$major"
            return 0
        fi
        _actions_seen "$candidate" "$major"
    done

    local -a installed=()
    local folder
    for folder in "${JDK_FOLDERS[@]}"; do
        installed+=("$folder"/*/bin/java "$folder"/*/Contents/Home/bin/java)
    done
    for candidate in "${installed[@]}"; do
        [ -x "$candidate" ] || continue
        major=$(java_major_version "$candidate") || continue
        if [ "$major" -ge "$ACTIONS_MIN_JAVA" ] && [ "$major" -gt "$best_major" ]; then
            best=$candidate
            best_major=$major
        elif [ "$major" -lt "$ACTIONS_MIN_JAVA" ]; then
            _actions_seen "$candidate" "$major"
        fi
    done
    if [ -n "$best" ]; then
        _actions_use_java "$best" "$best_major"
        return 0
    fi

    echo "error: no Java $ACTIONS_MIN_JAVA or newer found (looked at JAVA_HOME, java on the PATH and in ${JDK_FOLDERS[*]};" \
        "found:${seen:- none}); install a JDK $ACTIONS_MIN_JAVA+ and set JAVA_HOME to it" >&2
    return 1
}

# Adds a too-old java to the list the error names, once per real binary.
_actions_seen() {
    local real
    real=$(readlink -f "$1" 2>/dev/null || printf '%s\n' "$1")
    case "$seen" in
        *" $real ("*) ;;
        *) seen="$seen $real ($2)" ;;
    esac
}

_actions_use_java() {
    local real
    real=$(readlink -f "$1" 2>/dev/null || printf '%s\n' "$1")
    ACTIONS_JAVA=$real
    ACTIONS_JAVA_HOME=$(cd "$(dirname "$real")/.." && pwd)
    ACTIONS_JAVA_MAJOR=$2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    find_java || exit 1
    printf '%s\n' "$ACTIONS_JAVA_HOME"
fi
