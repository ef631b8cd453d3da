namespace MiniTransformer.Compute.Cuda;

/// <summary>
/// Prepended to every kernels/*.cl source before NVRTC compiles it: maps the OpenCL C vocabulary the kernels use
/// (address-space qualifiers, work-item functions, barrier, scalar type names, float math names) onto CUDA C++.
/// Helper functions need no __device__ because NVRTC runs with --device-as-default-execution-space.
/// MT_CUDA lets a kernel file put a CUDA-only fast path behind #ifdef.
/// </summary>
internal static class CudaPrelude
{
    public const string Source = """
        #define MT_CUDA 1
        typedef unsigned char uchar;
        typedef unsigned int uint;
        typedef unsigned long ulong;
        #define __kernel extern "C" __global__
        #define __global
        #define __local __shared__
        #define __constant
        #define CLK_LOCAL_MEM_FENCE 1
        #define CLK_GLOBAL_MEM_FENCE 2
        #define barrier(flags) __syncthreads()
        __device__ __forceinline__ size_t get_local_id(int d) { return d == 0 ? threadIdx.x : d == 1 ? threadIdx.y : threadIdx.z; }
        __device__ __forceinline__ size_t get_group_id(int d) { return d == 0 ? blockIdx.x : d == 1 ? blockIdx.y : blockIdx.z; }
        __device__ __forceinline__ size_t get_local_size(int d) { return d == 0 ? blockDim.x : d == 1 ? blockDim.y : blockDim.z; }
        __device__ __forceinline__ size_t get_num_groups(int d) { return d == 0 ? gridDim.x : d == 1 ? gridDim.y : gridDim.z; }
        __device__ __forceinline__ size_t get_global_id(int d) { return get_group_id(d) * get_local_size(d) + get_local_id(d); }
        __device__ __forceinline__ size_t get_global_size(int d) { return get_num_groups(d) * get_local_size(d); }
        #define exp(x) expf(x)
        #define log(x) logf(x)
        #define sqrt(x) sqrtf(x)
        #define tanh(x) tanhf(x)
        #define cos(x) cosf(x)
        #define sin(x) sinf(x)
        #define fabs(x) fabsf(x)
        #define fmax(a, b) fmaxf(a, b)
        #define fmin(a, b) fminf(a, b)
        #define atomic_min(p, v) atomicMin(p, v)
        #ifndef INFINITY
        #define INFINITY __int_as_float(0x7f800000)
        #endif

        """;
}
