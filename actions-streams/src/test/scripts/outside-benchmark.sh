#!/usr/bin/env bash
# The streams path measured from outside, through the public interface only (BENCHMARKS.md, "Measured from
# outside"): `./actions start` with its embedded broker, the seed's transform-all uploaded and attached over
# HTTP, k8s-like JSON lines produced with kcat into logs.default.k8s_all, and the outputs read with kcat at
# read_committed. Side by side, in the same run and on the same broker: a kcat consume | kcat produce pipe,
# the reference an outside tester uses. Each round is the time from the first record produced to the last
# output read.
#
#   actions-streams/src/test/scripts/outside-benchmark.sh          (from anywhere; needs kcat, curl, python3)
#
# Environment: RECORDS (200000 a round), ROUNDS (3), WARMUP (seconds of 50,000-record rounds through the
# action first, 120), DATA_DIR (the instance's data folder; default a new temp folder, removed at the end).
# Ports 9092 and 5080 must be free: they are the product's defaults.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../.." && pwd)
RECORDS=${RECORDS:-200000}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-120}
WARM_RECORDS=50000
BROKER=localhost:9092
API=http://localhost:5080/api/default
AUTH='root@example.com:Complexpass#123'
STREAM=k8s_all
ACTION=transform_all
IN=logs.default.$STREAM
OUT=$IN.$ACTION

for tool in kcat curl python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install $tool)" >&2; exit 2; }
done
for port in 9092 5080; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "error: port $port is in use; stop what listens there first" >&2
        exit 2
    fi
done

WORK=$(mktemp -d)
DATA_DIR=${DATA_DIR:-$WORK/data}
cleanup() {
    local jobs
    jobs=$(jobs -p)
    [ -z "$jobs" ] || kill $jobs 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# The records of StreamsBenchmark.k8sRecord: about 330 bytes, 8 pods.
python3 - "$WORK" "$RECORDS" "$WARM_RECORDS" <<'PY'
import json, sys, zipfile
work, records, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def line(n):
    pod = n % 8
    return json.dumps({"_timestamp": 1763900000000000 + n * 1000, "kubernetes_namespace_name": "shop",
        "kubernetes_pod_name": "checkout-%d" % pod, "kubernetes_docker_id": "docker-%x" % (0x1000 + pod),
        "kubernetes_pod_id": "5b0c7e1e-0a4e-4c2b-9d6f-1a2b3c4d5e%02d" % pod,
        "kubernetes_container_name": "checkout", "stream": "stderr" if n % 5 == 0 else "stdout",
        "level": "warn" if n % 10 == 0 else "info", "log": "GET /api/items/%d 200 in %dms" % (n, n % 97)},
        separators=(",", ":")) + "\n"
with open(work + "/records.jsonl", "w") as f:
    f.writelines(line(n) for n in range(records))
with open(work + "/warm.jsonl", "w") as f:
    f.writelines(line(n) for n in range(warm))
PY
# The seed's main.py returning its upper-cased copies, one per input (as StreamsBenchmark.transformAll).
python3 - "$ROOT/examples/real_time_action_script" "$WORK/transform_all.zip" <<'PY'
import pathlib, sys, zipfile
seed, target = pathlib.Path(sys.argv[1]), sys.argv[2]
main = (seed / "main.py").read_text()
changed = main.replace("return [{", "summary = [{")
if changed == main:
    sys.exit("the seed's main.py no longer has 'return [{'")
with zipfile.ZipFile(target, "w") as z:
    z.writestr("main.py", changed.rstrip() + "\n    return result\n")
    z.write(seed / "distinct.py", "distinct.py")
PY

say "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $RECORDS records a round, $ROUNDS rounds, warm-up ${WARMUP} s"
"$ROOT/actions" start --data-dir "$DATA_DIR" > "$WORK/server.log" 2>&1 &
SERVER=$!
until curl -s -o /dev/null -u "$AUTH" "$API/actions"; do
    kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log" >&2; echo "error: ./actions start ended" >&2; exit 1; }
    sleep 1
done
say "server up"

api() { # method path [curl arguments...]: fails on any answer but 2xx
    local method=$1 path=$2
    shift 2
    curl -sS --fail-with-body -u "$AUTH" -X "$method" "$API$path" "$@" > "$WORK/answer" \
        || { echo "error: $method $path: $(cat "$WORK/answer")" >&2; exit 1; }
}
api POST /roles -H 'content-type: application/json' \
    -d '{"name":"script_reader","permissions":[{"resource":"action_scripts","methods":["GET"]}]}'
api POST /service_accounts -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","roles":["script_reader"]}'
api POST /actions -F "file=@$WORK/transform_all.zip" -F name=$ACTION -F type=realtime \
    -F service_account=bench@example.com
api POST /streams/$STREAM/actions/$ACTION -H 'content-type: application/json' -d '{}'

# The pipe's topics, with the log stream's partition count. kcat cannot create topics; Kafka's own Admin
# client, from the build's lib folder, can.
PARTITIONS=$(kcat -b $BROKER -L -t "$IN" | sed -n 's/.* with \([0-9]*\) partitions.*/\1/p')
. "$ROOT/bin/find-java.sh"
find_java
cat > "$WORK/CreateTopics.java" <<'JAVA'
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

public class CreateTopics {
    public static void main(String[] args) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
            int partitions = Integer.parseInt(args[1]);
            admin.createTopics(List.of(new NewTopic(args[2], partitions, (short) 1),
                    new NewTopic(args[3], partitions, (short) 1))).all().get();
        }
    }
}
JAVA
"$ACTIONS_JAVA" -cp "$ROOT/actions-streams/target/lib/*" "$WORK/CreateTopics.java" $BROKER "$PARTITIONS" \
    bench.pipe.in bench.pipe.out > "$WORK/create-topics.log" 2>&1 \
    || { cat "$WORK/create-topics.log" >&2; exit 1; }

# seconds from the first record produced to the last output read: name in out file count
measure() {
    local name=$1 in=$2 out=$3 file=$4 count=$5 consumer start produced end
    kcat -b $BROKER -C -t "$out" -o end -X isolation.level=read_committed -c "$count" -q -f '' > /dev/null &
    consumer=$!
    # kcat prints nothing when its partitions are assigned; this lets it get there before the records.
    sleep 3
    start=$(date +%s.%N)
    kcat -b $BROKER -P -t "$in" -l "$file"
    produced=$(date +%s.%N)
    wait $consumer
    end=$(date +%s.%N)
    python3 -c "import sys; s, p, e, n = map(float, sys.argv[1:]); print('%.3f %.0f %.2f' % (e - s, n / (e - s), p - s))" \
        "$start" "$produced" "$end" "$count" > "$WORK/last"
    read -r seconds rate producing < "$WORK/last"
    say "$name: $count records, all out after $seconds s: $rate records/s (producing took $producing s)"
    LAST_RATE=$rate
}

began=$(date +%s)
round=0
while [ $(( $(date +%s) - began )) -lt "$WARMUP" ]; do
    round=$((round + 1))
    measure "warm-up $round (at $(( $(date +%s) - began )) s)" "$IN" "$OUT" "$WORK/warm.jsonl" $WARM_RECORDS
done

kcat -b $BROKER -C -t bench.pipe.in -o end -u -q -f '%s\n' | kcat -b $BROKER -P -t bench.pipe.out &
sleep 2
# kcat -P keeps the last few lines of a pipe until its input ends, so the pipe is done at count - 5.
PIPE_COUNT=$((RECORDS - 5))
action_rates=()
pipe_rates=()
for r in $(seq 1 "$ROUNDS"); do
    measure "$ACTION, round $r" "$IN" "$OUT" "$WORK/records.jsonl" "$RECORDS"
    action_rates+=("$LAST_RATE")
    measure "kcat pipe, round $r" bench.pipe.in bench.pipe.out "$WORK/records.jsonl" $PIPE_COUNT
    pipe_rates+=("$LAST_RATE")
done
python3 - "${action_rates[*]}" "${pipe_rates[*]}" <<'PY'
import statistics, sys
action = [float(x) for x in sys.argv[1].split()]
pipe = [float(x) for x in sys.argv[2].split()]
a, p = statistics.median(action), statistics.median(pipe)
print("medians: transform_all %.0f records/s, kcat pipe %.0f records/s; transform_all / kcat pipe: %.3f (goal >= 0.5: %s)"
      % (a, p, a / p, "MET" if a / p >= 0.5 else "NOT MET"))
PY
