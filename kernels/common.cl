// Helpers shared by the kernel files. The host expands `#include "x.cl"` itself (with #line markers, so build
// logs name the right file and line), which keeps OpenCL and NVRTC builds free of include-path options.
// Every kernel takes each buffer as (base pointer, element offset): sub-buffers have alignment rules that
// arbitrary tensor offsets break, plain offsets do not, and CUDA sees the same signature.
#ifndef MT_COMMON_CL
#define MT_COMMON_CL

// Work-group size of every one-group-per-row kernel (LayerNorm, cross-entropy, reductions). A power of two no
// larger than the smallest maximum work-group size of the devices we target (256 on AMD GPUs).
#define ROW_WG 256

// Tree reduction of buf[0..ROW_WG) into buf[0] in a fixed order (deterministic run to run). The caller has
// written buf[lid] and passes through this macro in uniform control flow; every work-item may read buf[0] after.
#define LOCAL_REDUCE(buf, lid, OP)                                        \
    barrier(CLK_LOCAL_MEM_FENCE);                                         \
    for (int s_ = ROW_WG >> 1; s_ > 0; s_ >>= 1) {                        \
        if ((lid) < s_) buf[lid] = OP(buf[lid], buf[(lid) + s_]);         \
        barrier(CLK_LOCAL_MEM_FENCE);                                     \
    }

#define OP_ADD(a, b) ((a) + (b))
#define OP_MAX(a, b) fmax((a), (b))

#endif
