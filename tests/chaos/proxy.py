#!/usr/bin/env python3
"""A seeded, fault-injecting HTTPS proxy for the chaos suite (python3 stdlib).

    proxy.py --upstream https://127.0.0.1:6443 --ca CA --cert CRT --key KEY \
             --seed 1 --rate 0.2 --port-file FILE --log FILE

Listens on 127.0.0.1 (a free port, written to --port-file) with the given
certificate, forwards every request to the upstream kube-apiserver over TLS
(verified against --ca) and, for a --rate share of requests, injects one fault
chosen by a seeded random generator:

    429           answered here with Retry-After: 1, nothing forwarded
    500, 503      answered here with a Status, nothing forwarded
    reset-before  the connection is reset (RST) before anything is forwarded
    reset-after   the request is forwarded and carried out, then the client's
                  connection is reset instead of the answer

Watches (chunked streams) are relayed chunk by chunk. Each request is logged
as one JSON line {method, path, fault, status}. HTTP/1.1 keep-alive is kept on
the client side; every request gets its own upstream connection.
"""
import argparse
import http.client
import json
import random
import socket
import ssl
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ["429", "500", "503", "reset-before", "reset-after"]


class State:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.rate = args.rate
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.upstream = args.upstream.split("://", 1)[1]
        self.ctx = ssl.create_default_context(cafile=args.ca)

    def pick(self):
        with self.lock:
            if self.rng.random() >= self.rate:
                return None
            return self.rng.choice(FAULTS)

    def record(self, **entry):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(entry) + "\n")


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "chaos-proxy"

    def log_message(self, *a):
        pass

    def reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw = socket.socket(fileno=self.connection.detach()) if isinstance(self.connection, ssl.SSLSocket) \
                else self.connection
            raw.close()
        except OSError:
            pass
        self.close_connection = True

    def answer(self, code, body, headers=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        fault = st.pick()
        entry = {"method": self.command, "path": self.path, "fault": fault}
        if fault == "reset-before":
            st.record(**entry, status=0)
            return self.reset()
        if fault in ("429", "500", "503"):
            code = int(fault)
            reason = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}[code]
            headers = {"Retry-After": "1"} if code == 429 else {}
            st.record(**entry, status=code)
            return self.answer(code, status_body(code, reason, "chaos: injected %d" % code), headers)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection", "content-length", "transfer-encoding")}
        up = http.client.HTTPSConnection(st.upstream, context=st.ctx, timeout=600)
        try:
            up.request(self.command, self.path, body=body, headers=headers)
            resp = up.getresponse()
            if fault == "reset-after":
                # Carried out upstream (a watch: established); the answer is lost.
                if resp.getheader("Transfer-Encoding", "").lower() != "chunked":
                    resp.read()
                st.record(**entry, status=resp.status)
                return self.reset()
            st.record(**entry, status=resp.status)
            chunked = resp.getheader("Transfer-Encoding", "").lower() == "chunked"
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                    self.send_header(k, v)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while True:
                    data = resp.read1(65536)
                    if not data:
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            else:
                data = resp.read()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        except (OSError, http.client.HTTPException):
            self.close_connection = True
        finally:
            up.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0.2)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(args)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
