#!/usr/bin/env python3
"""A hostile LAN device for test_e2e_hostile.sh: from one interface, within a
bounded time, it sends COUNT frames of each kind, interleaved and paced:
  - spoofed: a new random source MAC (locally administered, first byte 0x06)
    and a new UDP flow per frame (a MAC flood and a flow spray at once);
  - flows:   its own MAC, a new UDP destination port per frame;
  - names:   its own MAC, a DNS query for a new random name per frame.
Every frame goes to the gateway's MAC and to ADDR, an address nobody on the
LAN has, so the gateway only drops them; iotrim sees each one at LAN ingress.
Prints how many frames of each kind it sent.  Standard library only.

  hostile_spray.py IFACE OWN_MAC OWN_IP GW_MAC ADDR COUNT SECONDS
"""
import os
import random
import socket
import struct
import sys
import time


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, payload):
    udp_len = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                     src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload  # no UDP checksum (IPv4)
    return dst_mac + src_mac + b"\x08\x00" + ip + udp


def dns_query(name):
    q = struct.pack("!HHHHHH", random.getrandbits(16), 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)


def main():
    iface, own_mac, own_ip, gw_mac, addr, count, seconds = sys.argv[1:8]
    own_mac, gw_mac = mac_bytes(own_mac), mac_bytes(gw_mac)
    own_ip, addr = socket.inet_aton(own_ip), socket.inet_aton(addr)
    count, seconds = int(count), float(seconds)
    spoofed_ip = socket.inet_aton("192.0.2.200")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    sent = {"spoofed": 0, "flows": 0, "names": 0}
    start = time.monotonic()
    batch = 500
    for i in range(count):
        mac = bytes([0x06]) + os.urandom(5)
        frames = (
            ("spoofed", udp_frame(gw_mac, mac, spoofed_ip, addr, 40000, 1024 + i % 60000, b"x")),
            ("flows", udp_frame(gw_mac, own_mac, own_ip, addr, 40001, 1024 + i % 60000, b"y")),
            ("names", udp_frame(gw_mac, own_mac, own_ip, addr, 1024 + i % 60000, 53,
                                dns_query("r%08x.spray.example" % random.getrandbits(32)))),
        )
        for kind, frame in frames:
            s.send(frame)
            sent[kind] += 1
        if i % batch == batch - 1:  # paced: COUNT of each over SECONDS
            ahead = start + seconds * (i + 1) / count - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    print(" ".join("%s=%d" % kv for kv in sent.items()))


if __name__ == "__main__":
    main()
