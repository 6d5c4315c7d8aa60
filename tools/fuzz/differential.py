"""PyTorch's side of the differential fuzzer (tools/fuzz/differential.ts).

Usage: differential.py CALLS.json START END OUT.log

Reads the call specs that differential.ts generated, runs calls START..END-1 with PyTorch and
appends two lines per call to OUT.log, flushed at once:

    B <index>                      before the call (names the call if the process dies in it)
    R <json outcome>               after it: {"i", "status": "ok"|"error"|"setup", "type", "msg", "result", "retry"}

"retry" is there when a call with an integral float argument (2.0) failed with a TypeError: it
is the status of the same call with those floats as ints, which is what a JS number 2 means.

A call that kills the process (LibTorch segfaults on some hostile inputs) leaves a "B" line with
no "R" line; the parent records it as a crash and starts a new process after it. Each argument
maps one to one onto what the TypeScript side passes (see the Arg type in differential.ts):
kind "int"/"big" are Python ints, "float" is a Python float, "dtype" a torch.dtype, "list" a
list, "tensor" a tensor built from its spec, "none" None.
"""

import json
import math
import os
import sys
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.manual_seed(0)


def decode_float(v):
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}[v]
    return float(v)


def build_tensor(spec):
    dtype = getattr(torch, spec["dtype"])
    shape = list(spec["shape"])
    if spec["variant"] == "transposed":
        shape[-2], shape[-1] = shape[-1], shape[-2]
    if spec["dtype"] == "bool":
        values = [bool(v) for v in spec["values"]]
    elif dtype.is_floating_point:
        values = [decode_float(v) for v in spec["values"]]
    else:
        values = [int(v) for v in spec["values"]]
    t = torch.tensor(values, dtype=dtype).reshape(shape)
    if spec["variant"] == "transposed":
        t = t.transpose(-1, -2)
    elif spec["variant"] == "mkldnn":
        t = t.to_mkldnn()
    return t


def is_integral_float(a):
    return a["k"] == "float" and isinstance(a["v"], (int, float)) and float(a["v"]).is_integer()


def has_integral_float(a):
    return is_integral_float(a) or (a["k"] == "list" and any(has_integral_float(x) for x in a["v"]))


def decode(a, ints=False):
    """The Python value of an argument; ints=True reads integral floats as ints (what JS passes)."""
    k = a["k"]
    if k in ("int", "big"):
        return int(a["v"])
    if k == "float":
        return int(a["v"]) if ints and is_integral_float(a) else decode_float(a["v"])
    if k == "bool":
        return bool(a["v"])
    if k == "none":
        return None
    if k == "str":
        return a["v"]
    if k == "dtype":
        return getattr(torch, a["v"])
    if k == "list":
        return [decode(x, ints) for x in a["v"]]
    if k == "tensor":
        return build_tensor(a["v"])
    raise ValueError("unknown argument kind " + k)


def summarize(r):
    if isinstance(r, torch.Tensor):
        return "%s[%s]" % (str(r.dtype).replace("torch.", ""), ",".join(str(d) for d in r.shape))
    if hasattr(r, "values") and hasattr(r, "indices"):  # torch.return_types (values, indices)
        return "(" + ", ".join(summarize(x) for x in r) + ")"
    if isinstance(r, (list, tuple)):
        return "list(%d)" % len(r)
    if isinstance(r, bool):
        return "bool"
    if isinstance(r, (int, float)):
        return "number"
    return type(r).__name__


def target(call, args):
    kind, name = call["kind"], call["py"]
    if kind == "method":
        return getattr(args[0], name), args[1:]
    if kind == "F":
        return getattr(F, name), args
    return getattr(torch, name), args  # "torch" and "aten"


def run(call, ints=False):
    try:
        args = [decode(a, ints) for a in call["args"]]
        kwargs = {k: decode(v, ints) for k, v in call["kwargs"].items()}
        fn, pos = target(call, args)
    except Exception as e:  # building the inputs failed: not the call under test
        return {"status": "setup", "type": type(e).__name__, "msg": str(e)[:2000]}
    try:
        r = fn(*pos, **kwargs)
        return {"status": "ok", "result": summarize(r)}
    except Exception as e:
        res = {"status": "error", "type": type(e).__name__, "msg": str(e)[:2000]}
    if not ints and res["type"] == "TypeError" and any(has_integral_float(a) for a in call["args"] + list(call["kwargs"].values())):
        # A JS number cannot say 2.0 rather than 2: would Python take the call with ints there?
        res["retry"] = run(call, ints=True)["status"]
    return res


def main():
    calls_file, start, end, out_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    crash_at = int(os.environ.get("FUZZ_DIFF_PY_CRASH_AT", "-1"))
    with open(calls_file) as f:
        calls = json.load(f)["calls"]
    with open(out_file, "a") as out:
        for i in range(start, min(end, len(calls))):
            out.write("B %d\n" % i)
            out.flush()
            if crash_at == i:  # the harness's self-test: a native crash in call i
                os.abort()
            res = run(calls[i])
            res["i"] = i
            out.write("R " + json.dumps(res) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
