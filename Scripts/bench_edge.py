"""The measuring half of Scripts/bench-edge (stdlib only): drives the operator's API and the
plain docker CLI in turn and prints the table and the overhead line."""
import argparse
import json
import shutil
import statistics
import subprocess
import threading
import time
import ssl
import urllib.error
import urllib.request

REGISTRY = "127.0.0.1:5000"
PLAIN_ADDRESS = "127.11.2.200"
API = "http://127.0.0.1:7101/v1"
# The operator's TLS context (--cacert: trust only the topology's CA); None: plain HTTP on loopback.
TLS = None


def call(method, path, token, body=None):
    request = urllib.request.Request(API + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600, context=TLS) as response:
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


def operator_round(args, flavor, pulled, address, content=None):
    if pulled:
        forget_image(args, flavor)
    watcher = FirstServe(address)
    watcher.start()
    started = time.time()
    ready = call("POST", "/instances?wait=true", args.token, {"content": content or args.content, "flavor": flavor, "address": address})
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


def download(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def throughput(address, content, seconds=10.0, clients=4):
    """Requests/s and MB/s of one guest: `clients` threads each GET the object again and again
    on a new connection, for `seconds`."""
    url = f"http://{address}:8080/{content}"
    counts = [[0, 0] for _ in range(clients)]
    deadline = time.time() + seconds

    def worker(index):
        while time.time() < deadline:
            counts[index][1] += len(download(url))
            counts[index][0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    return sum(c[0] for c in counts) / elapsed, sum(c[1] for c in counts) / elapsed / 1048576


def guest_figures(args, flavor, address):
    """One real guest's memory as xl lists it, its image size, and its requests/s and MB/s
    for the 1 MB object (video1), each image already local."""
    operator_round(args, flavor, False, address, content="video1")
    ready = call("POST", "/instances?wait=true", args.token, {"content": "video1", "flavor": flavor, "address": address})
    if ready["phase"] != "ready":
        raise SystemExit(f"bench-edge: {flavor} did not become ready: {ready.get('failure')}")
    instance = ready["spec"]["id"]
    expected = open(f"Content/payloads/video1", "rb").read()
    if download(f"http://{address}:8080/video1") != expected:
        raise SystemExit(f"bench-edge: {flavor} served bytes that are not video1's")
    usage = None
    for _ in range(50):
        usage = call("GET", f"/instances/{instance}", args.token).get("usage")
        if usage:
            break
        time.sleep(0.2)
    requests, megabytes = throughput(address, "video1")
    call("DELETE", f"/instances/{instance}?drain=0&wait=true", args.token)
    return {"memory": usage["memoryBytes"] / 1048576 if usage else float("nan"), "image": ready["image"]["bytes"] / 1048576,
            "requests": requests, "megabytes": megabytes}


def least_memory(args, flavor, content, low, high, step):
    """The least guest memory (MB, to `step`) with which `flavor` boots and serves `content`
    byte for byte: a bisection over explicit memoryMegabytes requests."""
    expected = open(f"Content/payloads/{content}", "rb").read()
    address = f"{args.addresses}.120"

    def serves_with(megabytes):
        ready = call("POST", "/instances?wait=true", args.token,
                     {"content": content, "flavor": flavor, "address": address, "memoryMegabytes": megabytes})
        ok = False
        if ready["phase"] == "ready":
            try:
                ok = download(f"http://{address}:8080/{content}") == expected
            except (urllib.error.URLError, ConnectionError, OSError):
                ok = False
            call("DELETE", f"/instances/{ready['spec']['id']}?drain=0&wait=true", args.token)
        print(f"  {flavor} {content} with {megabytes} MB: {'serves' if ok else 'fails: ' + str(ready.get('failure'))[:120]}", flush=True)
        return ok

    if not serves_with(high):
        raise SystemExit(f"bench-edge: {flavor} does not serve {content} even with {high} MB")
    while high - low > step:
        middle = (low + high) // 2
        if serves_with(middle):
            high = middle
        else:
            low = middle
    return high


def median(rows, key):
    return statistics.median(row[key] for row in rows)


def main():
    global API, TLS
    parser = argparse.ArgumentParser()
    for name in ("rounds", "flavors", "content", "token"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--socket")
    parser.add_argument("--state")
    parser.add_argument("--api", default=API)
    parser.add_argument("--cacert", help="the topology's CA, for an operator that speaks HTTPS")
    parser.add_argument("--addresses", help="the first three octets of the instances' addresses (default: the edge-1 pools)")
    parser.add_argument("--least-memory", help="FLAVOR:CONTENT,…: only find the least memory each serves with (real Xen guests)")
    args = parser.parse_args()
    API = args.api
    if args.cacert:
        TLS = ssl.create_default_context(cafile=args.cacert)
    if args.least_memory:
        for item in args.least_memory.split(","):
            flavor, content = item.split(":")
            least = least_memory(args, flavor, content, 4, 512 if flavor == "xen-linux" else 64, 2 if flavor == "xen-linux" else 1)
            print(f"least memory: {flavor} serves {content} with {least} MB", flush=True)
        return
    rounds = int(args.rounds)
    notes = set()
    emulated_seen = False
    real_guests = {}
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
            real_guests[flavor] = {"boot": median(local, "boot"), "removal": median(local + pulled, "removal"), **guest_figures(args, flavor, address)}
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
    if real_guests:
        print(f"{'real guest':<10} {'boot s':>8} {'destroy s':>10} {'memory MB':>10} {'image MB':>9} {'req/s 1MB':>10} {'MB/s 1MB':>9}")
        for flavor, row in real_guests.items():
            print(f"{flavor:<10} {row['boot']:>8.2f} {row['removal']:>10.2f} {row['memory']:>10.0f} {row['image']:>9.1f} "
                  f"{row['requests']:>10.1f} {row['megabytes']:>9.1f}")
    if "augur-uk" in real_guests and "xen-linux" in real_guests:
        uk, linux = real_guests["augur-uk"], real_guests["xen-linux"]
        print(f"augur-uk vs xen-linux (TCG, functional): boot {linux['boot'] / uk['boot']:.1f}×, "
              f"memory {linux['memory'] / uk['memory']:.1f}×, image {linux['image'] / uk['image']:.1f}×")
    elif notes:
        flavor, boot, local_s, pulled_s, removal = real_xen
        print(f"{flavor} xl create → ready {boot:.2f} s (allocation {local_s:.2f} s local, {pulled_s:.2f} s pulled), destroy {removal:.2f} s: functional, under TCG")
    elif totals["plain"] == 0:
        print("operator overhead vs plain docker: n/a (no container flavor measured)")
    else:
        print(f"operator overhead vs plain docker: {(totals['operator'] - totals['plain']) / totals['plain'] * 100:.1f}%")


if __name__ == "__main__":
    main()
