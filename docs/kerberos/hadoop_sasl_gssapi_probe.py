# Prototype: Hadoop IPC SASL GSSAPI client (with auth-int/auth-conf wrap) against a Kerberized RM.
import socket, struct, sys, gssapi, uuid
def varint(n):
    out = b""
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])
def zz(n): return (n << 1) ^ (n >> 63)
def f_varint(no, v): return varint(no << 3) + varint(v)
def f_bytes(no, b):
    if isinstance(b, str): b = b.encode()
    return varint((no << 3) | 2) + varint(len(b)) + b
def delim(m): return varint(len(m)) + m
def rd_varint(b, i):
    s = 0; r = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7F) << s; s += 7
        if c < 0x80: return r, i
def parse(b):
    i = 0; out = {}
    while i < len(b):
        k, i = rd_varint(b, i); no, wt = k >> 3, k & 7
        if wt == 0: v, i = rd_varint(b, i)
        elif wt == 2:
            l, i = rd_varint(b, i); v = b[i:i+l]; i += l
        else: raise Exception("wt %d" % wt)
        out.setdefault(no, []).append(v)
    return out
def rd_delim(b, i):
    l, i = rd_varint(b, i); return b[i:i+l], i + l

CLIENT_ID = uuid.uuid4().bytes
def req_header(call_id, client_id=CLIENT_ID, retry=-1):
    return f_varint(1, 2) + f_varint(2, 0) + f_varint(3, zz(call_id)) + f_bytes(4, client_id) + f_varint(5, zz(retry))
def frame(*msgs):
    body = b"".join(delim(m) for m in msgs)
    return struct.pack(">I", len(body)) + body
def sasl_msg(state, token=None, auths=()):
    m = f_varint(2, state)
    if token is not None: m += f_bytes(3, token)
    for a in auths: m += f_bytes(4, a)
    return m
def recvn(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise EOFError("closed after %d bytes" % len(b))
        b += c
    return b
def read_frame(s):
    n = struct.unpack(">I", recvn(s, 4))[0]; return recvn(s, n)
def split_response(payload):
    h, i = rd_delim(payload, 0); hdr = parse(h)
    return hdr, payload[i:]

host, port = sys.argv[1], int(sys.argv[2]); principal_conf = sys.argv[3]
s = socket.create_connection((host, port))
s.sendall(b"hrpc" + bytes([9, 0, 0xDF]))           # version 9, service class 0, auth protocol SASL (-33)
s.sendall(frame(req_header(-33, b""), sasl_msg(1)))  # NEGOTIATE; Java sends DUMMY_CLIENT_ID (empty) during SASL
ctx = None; layer = None; state = "init"
while True:
    hdr, rest = split_response(read_frame(s))
    if hdr[2][0] != 0:
        print("RPC error:", hdr.get(4), hdr.get(5)); sys.exit(1)
    msg = parse(rd_delim(rest, 0)[0]); st = msg[2][0]; tok = msg.get(3, [None])[0]
    print("<- state", {0:"SUCCESS",1:"NEGOTIATE",3:"CHALLENGE"}.get(st, st), "token", None if tok is None else len(tok))
    if st == 1:
        auths = [parse(a) for a in msg.get(4, [])]
        for a in auths: print("   auth", a[1][0], a[2][0], a.get(3, [b""])[0], a.get(4, [b""])[0], "challenge" if 5 in a else "")
        krb = [raw for raw, a in zip(msg[4], auths) if a[1][0] == b"KERBEROS" and a[2][0] == b"GSSAPI"][0]
        a = parse(krb); proto = a[3][0].decode(); server_id = a[4][0].decode()
        advertised = "%s/%s@" % (proto, server_id)
        assert principal_conf.startswith(advertised), (principal_conf, advertised)  # SaslRpcClient.getServerPrincipal check
        name = gssapi.Name("%s@%s" % (proto, server_id), gssapi.NameType.hostbased_service)
        F = gssapi.RequirementFlag
        ctx = gssapi.SecurityContext(name=name, usage="initiate", mech=gssapi.MechType.kerberos,
              flags=F.mutual_authentication | F.integrity | F.confidentiality | F.out_of_sequence_detection | F.replay_detection)
        out = ctx.step()
        s.sendall(frame(req_header(-33, b""), sasl_msg(2, out, [krb])))   # INITIATE echoing the chosen auth
    elif st == 3:
        if not ctx.complete:
            out = ctx.step(tok) or b""
            s.sendall(frame(req_header(-33, b""), sasl_msg(4, out)))
        else:
            if not tok:
                s.sendall(frame(req_header(-33, b""), sasl_msg(4, b""))); continue
            clear = ctx.unwrap(tok).message
            print("   server layers mask=0x%02x maxbuf=%d raw=%s" % (clear[0], int.from_bytes(clear[1:4], "big"), clear.hex()))
            mask = clear[0]
            layer = 4 if mask & 4 else 2 if mask & 2 else 1
            reply = bytes([layer]) + ((0xFFFFFF).to_bytes(3, "big") if layer != 1 else b"\0\0\0")
            s.sendall(frame(req_header(-33, b""), sasl_msg(4, ctx.wrap(reply, False).message)))
    elif st == 0:
        break
print("authenticated as", ctx.initiator_name, "layer", layer)
wrap = layer in (2, 4)
def send(raw):
    if wrap:
        w = ctx.wrap(raw, layer == 4).message
        s.sendall(frame(req_header(-33, b""), sasl_msg(5, w)))  # RpcSaslProto{state=WRAP(5), token}
    else:
        s.sendall(raw)
PROTO = "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB"
user = str(ctx.initiator_name)
ctxmsg = f_bytes(2, f_bytes(1, user)) + f_bytes(3, PROTO)   # effectiveUser = full principal for KERBEROS
send(frame(req_header(-3), ctxmsg))
rh = f_bytes(1, "getClusterMetrics") + f_bytes(2, PROTO) + f_varint(3, 1)
send(frame(req_header(0), rh, b""))
payload = read_frame(s)
if wrap:
    hdr, rest = split_response(payload)
    assert hdr[1][0] == (-33 & 0xFFFFFFFF), hdr
    m = parse(rd_delim(rest, 0)[0]); assert m[2][0] == 5, m
    inner = ctx.unwrap(m[3][0]).message
    n = struct.unpack(">I", inner[:4])[0]; assert n == len(inner) - 4
    payload = inner[4:]
hdr, rest = split_response(payload)
print("call 0 status", hdr[2][0], hdr.get(4), hdr.get(5))
resp = parse(rd_delim(rest, 0)[0]) if rest else {}
print("cluster metrics:", {k: parse(v[0]) for k, v in resp.items()})
