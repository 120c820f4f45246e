#!/usr/bin/python3
"""A DNS server that answers every A query with one address and the query's
own name, whatever bytes it holds: it hands a device a name with markup in
it (<script>...), as a hostile or broken resolver could.

    hostile_dns.py LISTEN-ADDR ANSWER-ADDR
"""
import socket
import struct
import sys


def answer(query, addr):
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if flags & 0x8000 or qd != 1:
        return None
    pos = 12
    while pos < len(query) and query[pos]:
        pos += 1 + query[pos]
    end = pos + 5
    if end > len(query):
        return None
    qtype = struct.unpack("!H", query[pos + 1:pos + 3])[0]
    question = query[12:end]
    header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1 if qtype == 1 else 0, 0, 0)
    if qtype != 1:
        return header + question
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + socket.inet_aton(addr)
    return header + question + rr


def main():
    listen, addr = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((listen, 53))
    while True:
        query, peer = s.recvfrom(2048)
        reply = answer(query, addr)
        if reply:
            s.sendto(reply, peer)


if __name__ == "__main__":
    main()
