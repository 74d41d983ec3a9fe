#!/usr/bin/env python3
"""A tiny SMTP sink for the black-box tests (aiosmtpd): listens on
127.0.0.1:PORT and stores each message it receives as DIR/<n>.eml (written
to a temporary name first, so a reader never sees half a message). Prints
"ready" once it accepts connections; runs until killed."""

import os
import sys
import threading
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = uuid.uuid4().hex
        partial = os.path.join(self.folder, name + ".part")
        with open(partial, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.rename(partial, os.path.join(self.folder, name + ".eml"))
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
