#!/usr/bin/env python3
"""Raw HTTP/1.1 over one TCP connection, for the tests of augur-uk's network path: sends
requests exactly as given (pipelined, a byte at a time, malformed, oversized) and prints
what came back as JSON: each response's status, headers and body length, and whether the
server closed the connection. `vanish` reads part of a body and resets the connection.
Usage: http_probe.py HOST PORT pipelined|slow|malformed|oversized|vanish [OBJECT]"""
import json
import socket
import struct
import sys
import time


def read_responses(sock, count, head_only=()):
    """Reads `count` responses (or until the server closes); HEAD responses have no body."""
    data = b""
    responses = []
    closed = False
    sock.settimeout(20)
    while len(responses) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return responses, True
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = 0 if len(responses) in head_only else int(headers.get("content-length", "0"))
        while len(data) < length:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return responses, True
            data += chunk
        responses.append({"status": int(lines[0].split(" ")[1]), "headers": headers, "body": len(data[:length])})
        data = data[length:]
    try:
        sock.settimeout(2)
        closed = sock.recv(1) == b""
    except socket.timeout:
        closed = False
    return responses, closed


def connect(host, port):
    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    name = sys.argv[4] if len(sys.argv) > 4 else "video1"
    sock = connect(host, port)
    result = {}
    if mode == "pipelined":
        sock.sendall((f"GET /{name} HTTP/1.1\r\nHost: a\r\n\r\n"
                      f"HEAD /{name} HTTP/1.1\r\nHost: a\r\n\r\n"
                      "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n"
                      "DELETE /ready HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"
                      "GET /ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").encode())
        result["responses"], result["closed"] = read_responses(sock, 5, head_only=(1,))
    elif mode == "slow":
        for byte in f"GET /{name} HTTP/1.1\r\nHost: a\r\n\r\n".encode():
            sock.send(bytes([byte]))
            time.sleep(0.01)
        result["responses"], result["closed"] = read_responses(sock, 1)
    elif mode == "malformed":
        sock.sendall(b"GET /ready HTTP/1.1\r\nHost : a\r\n\r\nGET /ready HTTP/1.1\r\nHost: a\r\n\r\n")
        result["responses"], result["closed"] = read_responses(sock, 2)
    elif mode == "oversized":
        filler = "".join(f"X-Filler-{i}: {'x' * 60}\r\n" for i in range(200))
        try:
            sock.sendall(f"GET /ready HTTP/1.1\r\nHost: a\r\n{filler}\r\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            pass
        result["responses"], result["closed"] = read_responses(sock, 1)
    elif mode == "vanish":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.sendall(f"GET /{name} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        received = 0
        while received < 200000:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += len(chunk)
        result["received"] = received
        # A reset, not a FIN: the client is gone mid-download.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    sock.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
