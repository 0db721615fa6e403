"""The measuring half of Scripts/bench-edge (stdlib only): drives the operator's API and the
plain docker CLI in turn and prints the table and the overhead line."""
import argparse
import json
import shutil
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request

REGISTRY = "127.0.0.1:5000"
PLAIN_ADDRESS = "127.11.2.200"
API = "http://127.0.0.1:7101/v1"


def call(method, path, token, body=None):
    request = urllib.request.Request(API + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def serves(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


class FirstServe(threading.Thread):
    """Polls an address every millisecond and notes when it first answers /ready with 200."""

    def __init__(self, address):
        super().__init__(daemon=True)
        self.url = f"http://{address}:8080/ready"
        self.first = None
        self.stop = False

    def run(self):
        while not self.stop and self.first is None:
            if serves(self.url):
                self.first = time.time()
            else:
                time.sleep(0.001)


def docker(socket, *args):
    return subprocess.run(["docker", "-H", f"unix://{socket}", *args], check=False, capture_output=True, text=True)


def forget_image(args, flavor):
    if flavor in ("nginx", "flask"):
        docker(args.socket, "rmi", "-f", f"{REGISTRY}/augur/{flavor}:{args.content}")
    elif args.state:
        shutil.rmtree(f"{args.state}/artifacts", ignore_errors=True)
    else:
        # An operator whose state this process cannot reach (dom0 of the nested Xen host)
        # evicts through its API.
        call("DELETE", "/images?runtime=xen", args.token)


def operator_round(args, flavor, pulled, address):
    if pulled:
        forget_image(args, flavor)
    watcher = FirstServe(address)
    watcher.start()
    started = time.time()
    ready = call("POST", "/instances?wait=true", args.token, {"content": args.content, "flavor": flavor, "address": address})
    wall = time.time() - started
    watcher.join(timeout=2)
    watcher.stop = True
    if ready["phase"] != "ready":
        raise SystemExit(f"bench-edge: {flavor} did not become ready: {ready.get('failure')}")
    ready_at = started + ready["seconds"]["allocation"]
    lag = (ready_at - watcher.first) * 1000 if watcher.first else float("nan")
    gone = call("DELETE", f"/instances/{ready['spec']['id']}?drain=0&wait=true", args.token)
    return {"allocation": ready["seconds"]["allocation"], "boot": ready["seconds"]["boot"], "wall": wall,
            "removal": gone["seconds"]["removal"], "lag_ms": lag, "emulated": ready["emulated"], "timing": ready.get("timingNote")}


def plain_round(args, flavor, pulled):
    image = f"{REGISTRY}/augur/{flavor}:{args.content}"
    if pulled:
        forget_image(args, flavor)
    # The same 1 ms watcher as in the operator's rounds, so that both paths share the machine alike.
    watcher = FirstServe(PLAIN_ADDRESS)
    watcher.start()
    started = time.time()
    result = docker(args.socket, "run", "-d", "--network", "host", "--cpus", "1", "--memory", "256m",
                    "-e", f"AUGUR_ADDRESS={PLAIN_ADDRESS}", image)
    if result.returncode != 0:
        raise SystemExit(f"bench-edge: docker run failed: {result.stderr}")
    container = result.stdout.strip()
    while not serves(f"http://{PLAIN_ADDRESS}:8080/ready"):
        time.sleep(0.005)
    allocation = time.time() - started
    watcher.stop = True
    started = time.time()
    docker(args.socket, "rm", "-f", container)
    return {"allocation": allocation, "removal": time.time() - started}


def median(rows, key):
    return statistics.median(row[key] for row in rows)


def main():
    global API
    parser = argparse.ArgumentParser()
    for name in ("rounds", "flavors", "content", "token"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--socket")
    parser.add_argument("--state")
    parser.add_argument("--api", default=API)
    parser.add_argument("--addresses", help="the first three octets of the instances' addresses (default: the edge-1 pools)")
    args = parser.parse_args()
    API = args.api
    rounds = int(args.rounds)
    notes = set()
    emulated_seen = False
    print(f"{'flavor':<8} {'how':<16} {'alloc local s':>14} {'alloc pulled s':>15} {'removal s':>10} {'ready lag ms':>13}")
    totals = {"operator": 0.0, "plain": 0.0}
    lags = []
    for index, flavor in enumerate(args.flavors.split(",")):
        address = f"{args.addresses}.{100 + index}" if args.addresses else f"127.11.{2 if flavor in ('nginx', 'flask') else 3}.{100 + index}"
        local, pulled = [], []
        operator_round(args, flavor, False, address)  # warm the image cache and the code paths
        for _ in range(rounds):
            pulled.append(operator_round(args, flavor, True, address))
            local.append(operator_round(args, flavor, False, address))
        lags += [row["lag_ms"] for row in local + pulled]
        how = "operator (emul.)" if local[0]["emulated"] else "operator (TCG)" if local[0]["timing"] else "operator"
        emulated_seen = emulated_seen or local[0]["emulated"]
        if local[0]["timing"]:
            notes.add(local[0]["timing"])
            real_xen = (flavor, median(local, "boot"), median(local, "allocation"), median(pulled, "allocation"), median(local + pulled, "removal"))
        print(f"{flavor:<8} {how:<16} {median(local, 'allocation'):>14.3f} {median(pulled, 'allocation'):>15.3f} "
              f"{median(local + pulled, 'removal'):>10.3f} {statistics.median(row['lag_ms'] for row in local + pulled):>13.1f}")
        if flavor in ("nginx", "flask"):
            plain_local, plain_pulled = [], []
            plain_round(args, flavor, False)
            for _ in range(rounds):
                plain_pulled.append(plain_round(args, flavor, True))
                plain_local.append(plain_round(args, flavor, False))
            print(f"{flavor:<8} {'plain docker':<16} {median(plain_local, 'allocation'):>14.3f} {median(plain_pulled, 'allocation'):>15.3f} "
                  f"{median(plain_local + plain_pulled, 'removal'):>10.3f} {'-':>13}")
            operator_total = median(local, "wall") + median(pulled, "wall") + median(local + pulled, "removal")
            plain_total = median(plain_local, "allocation") + median(plain_pulled, "allocation") + median(plain_local + plain_pulled, "removal")
            totals["operator"] += operator_total
            totals["plain"] += plain_total
            print(f"{flavor:<8} {'overhead':<16} {(operator_total - plain_total) / plain_total * 100:>+13.1f}% "
                  "(local + pulled allocation + removal, operator API wall time vs docker CLI)")
    print(f"readiness seen after first serve: median {statistics.median(lags):.1f} ms, max {max(lags):.1f} ms "
          f"(operator polls every 2 ms; the paper's every 100 ms)")
    if emulated_seen:
        print("operator (emul.): unikernel flavors on the emulated runtime: real pulls, profiled boot and removal")
    for note in sorted(notes):
        print(f"operator (TCG): real xl create/destroy in a Xen host nested under QEMU: {note}")
    if notes:
        flavor, boot, local_s, pulled_s, removal = real_xen
        print(f"{flavor} xl create → ready {boot:.2f} s (allocation {local_s:.2f} s local, {pulled_s:.2f} s pulled), destroy {removal:.2f} s: functional, under TCG")
    elif totals["plain"] == 0:
        print("operator overhead vs plain docker: n/a (no container flavor measured)")
    else:
        print(f"operator overhead vs plain docker: {(totals['operator'] - totals['plain']) / totals['plain'] * 100:.1f}%")


if __name__ == "__main__":
    main()
