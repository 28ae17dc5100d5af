#!/usr/bin/env python3
"""A mail server for Signaal's tests (aiosmtpd): accepts every message on 127.0.0.1:PORT and keeps
each in FOLDER as NNNN.eml (the raw message as received) and NNNN.json (the envelope, and the From,
To, subject and plain-text body decoded). Prints "ready" once it listens; stops when its standard
input closes or it is killed. Numbering goes on after a restart on the same folder.

    python3 tests/smtp/capture.py PORT FOLDER
"""

import email
import email.policy
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Capture:
    def __init__(self, folder):
        self.folder = folder
        self.count = len([n for n in os.listdir(folder) if n.endswith(".json")])
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        with self.lock:
            self.count += 1
            stem = os.path.join(self.folder, f"{self.count:04d}")
        with open(stem + ".eml", "wb") as out:
            out.write(raw)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "body": part.get_content() if part is not None else "",
        }
        # Written under another name and renamed, so a reader never sees half a file.
        with open(stem + ".json.part", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(stem + ".json.part", stem + ".json")
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Capture(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
