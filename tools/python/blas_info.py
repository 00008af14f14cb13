"""Which BLAS kernels PyTorch runs in this process: the anchor of cocos's
benchmarks must say so (Debian's OpenBLAS 0.3.21 runs its Prescott kernels
on CPUs it does not know, such as some AVX-512 Xeons).

Usage: python3 blas_info.py
Prints JSON: {"torch": version, "intra_op_threads": n, "blas": path or null,
"core": openblas_get_corename() or null, "blas_threads": n or null,
"env": {"OPENBLAS_CORETYPE": ..., "OPENBLAS_L2_SIZE": ...}}.
"""
import ctypes
import json
import os

import torch


def openblas():
    """The OpenBLAS library this process has loaded (through torch), or None."""
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "openblas" in os.path.basename(path):
                return path
    return None


def main():
    torch.ones(4, 4) @ torch.ones(4, 4)  # make sure the BLAS is loaded
    info = {"torch": torch.__version__, "intra_op_threads": torch.get_num_threads(), "blas": None, "core": None,
            "blas_threads": None, "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}
    path = openblas()
    if path:
        lib = ctypes.CDLL(path)
        info["blas"] = path
        if hasattr(lib, "openblas_get_corename"):
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["core"] = lib.openblas_get_corename().decode()
        if hasattr(lib, "openblas_get_num_threads"):
            info["blas_threads"] = lib.openblas_get_num_threads()
    print(json.dumps(info))


if __name__ == "__main__":
    main()
