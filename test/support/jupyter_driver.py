"""Drives a Jupyter kernel with Debian's jupyter_client (a client nobody here wrote).

Usage: /usr/bin/python3 jupyter_driver.py SCRIPT.json
SCRIPT: {"kernel": NAME, "stderr": PATH, "actions": [...]} or {"kernel": NAME, "notebook": PATH}.
The kernelspec NAME is found through JUPYTER_PATH. Prints one JSON object: {"results": [...]}
(one per action) or, for a notebook, {"cells": [outputs of each code cell]}.
Every wait has a deadline (a hung kernel fails the test instead of hanging it); no result depends
on how long anything took.
"""
import itertools
import json
import queue
import sys
import time

from jupyter_client import KernelManager
from jupyter_client.session import Session

DEADLINE = 60


def messages(get, deadline=DEADLINE):
    """The messages of one channel (kc.get_shell_msg, kc.get_iopub_msg) as they come, until
    `deadline` seconds have passed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            yield get(timeout=1)
        except queue.Empty:
            continue


# Every iopub message read while waiting for something else: a timer's output can come before
# the idle status of the execution that set it (a busy machine), and wait_stream looks here first.
SEEN = []


def drain_until_idle(kc, msg_id):
    """The iopub messages of one request, up to its `idle` status."""
    out = []
    for msg in messages(kc.get_iopub_msg):
        if msg["msg_type"] != "status":
            SEEN.append(msg)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return out
        if kind != "status":
            out.append({"type": kind, "content": msg["content"]})
    raise TimeoutError("no idle status for " + msg_id)


def shell_reply(kc, msg_id, deadline=DEADLINE):
    """The shell reply to msg_id; every other shell message seen on the way is returned too."""
    others = []
    for msg in messages(kc.get_shell_msg, deadline):
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg, others
        others.append(msg["parent_header"].get("msg_id"))
    return None, others


def execute(kc, code):
    msg_id = kc.execute(code)
    reply, _ = shell_reply(kc, msg_id)
    return {"reply": reply["content"], "iopub": drain_until_idle(kc, msg_id)}


def interrupt(km, kc, code, msg_id=None):
    """Runs code that never ends, then interrupts it (again, as a person presses Ctrl-C again,
    until the kernel answers): the reply, and how many interrupts it took."""
    msg_id = msg_id or kc.execute(code)
    for msg in messages(kc.get_iopub_msg):
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    interrupts = 0
    reply = None
    while reply is None and interrupts < 30:
        km.interrupt_kernel()
        interrupts += 1
        reply, _ = shell_reply(kc, msg_id, deadline=2)
    return {"reply": reply and reply["content"], "interrupts": interrupts}


def queue_interrupt(km, kc, codes):
    """Sends the cells at once, as "Run all" does; the first never ends and is interrupted once
    the rest wait behind it. The replies of all, in order."""
    ids = [kc.execute(code) for code in codes]
    first = interrupt(km, kc, None, msg_id=ids[0])
    replies = [first["reply"]]
    for msg_id in ids[1:]:
        reply, _ = shell_reply(kc, msg_id)
        replies.append(reply["content"])
    return {"replies": replies}


def bad_signature(kc, code, then):
    """Sends `code` signed with a wrong key, then `then` signed rightly: the shell is read in
    order, so the good reply comes after the bad message was dealt with."""
    forger = Session(key=b"not-the-key", username="mallory")
    bad = forger.msg("execute_request", content={"code": code, "silent": False})
    forger.send(kc.shell_channel.socket, bad)
    good_id = kc.execute(then)
    reply, others = shell_reply(kc, good_id)
    iopub = drain_until_idle(kc, good_id)
    answered_bad = bad["header"]["msg_id"] in others
    return {"answered_bad": answered_bad, "reply": reply["content"], "iopub": iopub}


def garbage(kc, then):
    """Malformed messages on the shell socket (no delimiter; too few frames; rightly signed but
    not JSON), then `then` as a good execute: its reply shows the kernel still serves."""
    socket = kc.shell_channel.socket
    socket.send_multipart([b"hello"])
    socket.send_multipart([b"<IDS|MSG>", b"sig", b"{}"])
    parts = [b"{not json", b"{}", b"{}", b"{}"]
    signature = kc.session.sign(parts)
    socket.send_multipart([b"<IDS|MSG>", signature] + parts)
    return execute(kc, then)


def wait_stream(kc, text):
    earlier = SEEN[:]
    SEEN.clear()
    for msg in itertools.chain(earlier, messages(kc.get_iopub_msg)):
        if msg["msg_type"] == "stream" and text in msg["content"]["text"]:
            return {"content": msg["content"], "parent": msg["parent_header"].get("msg_id")}
    raise TimeoutError("no stream with " + repr(text))


def request(kc, method, reply_of, **kwargs):
    msg_id = getattr(kc, method)(**kwargs)
    reply, _ = shell_reply(kc, msg_id)
    assert reply["msg_type"] == reply_of, reply["msg_type"]
    return reply["content"]


def start(km, stderr):
    km.start_kernel(stderr=stderr)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=DEADLINE)
    except BaseException:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        raise
    return kc


def run_actions(script):
    km = KernelManager(kernel_name=script["kernel"])
    stderr = open(script["stderr"], "a")
    kc = start(km, stderr)
    results = []
    try:
        for action in script["actions"]:
            do = action["do"]
            if do == "execute":
                results.append(execute(kc, action["code"]))
            elif do == "heartbeat":
                end = time.monotonic() + DEADLINE
                while not kc.hb_channel.is_beating() and time.monotonic() < end:
                    time.sleep(0.1)
                results.append({"beating": kc.hb_channel.is_beating()})
            elif do == "kernel_info":
                results.append(request(kc, "kernel_info", "kernel_info_reply"))
            elif do == "complete":
                results.append(
                    request(kc, "complete", "complete_reply", code=action["code"],
                            cursor_pos=action.get("cursor"))
                )
            elif do == "inspect":
                results.append(
                    request(kc, "inspect", "inspect_reply", code=action["code"],
                            cursor_pos=action.get("cursor"))
                )
            elif do == "history":
                results.append(
                    request(kc, "history", "history_reply", hist_access_type="tail",
                            n=action["n"])
                )
            elif do == "is_complete":
                results.append(request(kc, "is_complete", "is_complete_reply", code=action["code"]))
            elif do == "interrupt":
                results.append(interrupt(km, kc, action["code"]))
            elif do == "bad_signature":
                results.append(bad_signature(kc, action["code"], action["then"]))
            elif do == "queue_interrupt":
                results.append(queue_interrupt(km, kc, action["codes"]))
            elif do == "garbage":
                results.append(garbage(kc, action["then"]))
            elif do == "wait_stream":
                results.append(wait_stream(kc, action["text"]))
            elif do == "notebook":
                # nbclient runs a notebook on a kernel of its own; a failure is this action's
                # result, not the end of the session.
                try:
                    results.append(
                        run_notebook({"kernel": action["kernel"], "notebook": action["notebook"]})
                    )
                except Exception as error:  # noqa: BLE001
                    results.append({"error": repr(error)})
            elif do == "session":
                # Actions on a kernel of its own (another kernelspec), run to its shutdown as a
                # script's are: {"results", "exited_by_itself"}; a failure is this action's result.
                try:
                    results.append(
                        run_actions(
                            {
                                "kernel": action["kernel"],
                                "stderr": action["stderr"],
                                "actions": action["actions"],
                            }
                        )
                    )
                except Exception as error:  # noqa: BLE001
                    results.append({"error": repr(error)})
            elif do == "wait_exit":
                # The kernel ends by itself (a :quit): nothing is sent to it while waiting.
                end = time.monotonic() + DEADLINE
                while km.is_alive() and time.monotonic() < end:
                    time.sleep(0.05)
                results.append({"exited": not km.is_alive()})
            elif do == "restart":
                kc.stop_channels()
                km.restart_kernel(now=False)
                kc = km.client()
                kc.start_channels()
                kc.wait_for_ready(timeout=DEADLINE)
                results.append({"restarted": True})
            else:
                raise ValueError("unknown action " + do)
    finally:
        kc.stop_channels()
        # A shutdown_request: the kernel saves and exits by itself (else it is killed: reported).
        km.request_shutdown()
        end = time.monotonic() + DEADLINE
        while km.is_alive() and time.monotonic() < end:
            time.sleep(0.05)
        exited = not km.is_alive()
        km.shutdown_kernel(now=True)
        stderr.close()
    return {"results": results, "exited_by_itself": exited}


def run_notebook(script):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(script["notebook"], as_version=4)
    client = NotebookClient(nb, kernel_name=script["kernel"], timeout=DEADLINE,
                            allow_errors=True)
    client.execute()
    nbformat.write(nb, script["notebook"])
    cells = [c.get("outputs", []) for c in nb.cells if c.cell_type == "code"]
    return {"cells": cells, "language": nb.metadata.get("language_info", {}).get("name")}


def main():
    with open(sys.argv[1]) as f:
        script = json.load(f)
    result = run_notebook(script) if "notebook" in script else run_actions(script)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
