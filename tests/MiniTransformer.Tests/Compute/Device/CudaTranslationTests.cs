using System.Diagnostics;
using MiniTransformer.Compute.Cuda;
using MiniTransformer.Compute.Device;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>
/// Without a GPU or NVRTC, the CUDA translation of kernels/*.cl can still be checked: the prelude + each expanded
/// file must be valid CUDA C++. clang's CUDA front end does the check (device side only, syntax and semantics, no
/// CUDA SDK), with declarations standing in for what NVRTC provides implicitly. Skips when clang-15 is absent.
/// </summary>
public class CudaTranslationTests
{
    private const string Clang = "/usr/bin/clang-15";

    /// <summary>What NVRTC declares implicitly (attributes, built-in index variables, math and intrinsics).</summary>
    private const string NvrtcStandIn = """
        #define __global__ __attribute__((global))
        #define __device__ __attribute__((device))
        #define __shared__ __attribute__((shared))
        #define __forceinline__ __inline__ __attribute__((always_inline))
        typedef unsigned long size_t;
        struct uint3 { unsigned int x, y, z; };
        struct dim3 { unsigned int x, y, z; };
        #include <__clang_cuda_builtin_vars.h>
        __device__ float expf(float); __device__ float logf(float); __device__ float sqrtf(float); __device__ float tanhf(float);
        __device__ float cosf(float); __device__ float sinf(float); __device__ float fabsf(float);
        __device__ float fmaxf(float, float); __device__ float fminf(float, float);
        __device__ float __int_as_float(int); __device__ void __syncthreads();
        __device__ int atomicMin(int*, int);

        """;

    [Theory]
    [MemberData(nameof(OpenClKernelBuildTests.KernelFiles), MemberType = typeof(OpenClKernelBuildTests))]
    public void EveryKernelFileIsValidCudaCpp(string file)
    {
        if (!File.Exists(Clang)) Assert.Skip($"{Clang} is not installed (apt-get install clang-15)");
        // NVRTC compiles with --device-as-default-execution-space; clang has no such switch, so mark helpers here.
        string source = NvrtcStandIn + CudaPrelude.Source + KernelSource.Load(file).Replace("static inline ", "static inline __device__ ");
        string path = Path.Combine(Path.GetTempPath(), $"mt-cuda-{Environment.ProcessId}-{file}.cu");
        File.WriteAllText(path, source);
        try
        {
            var start = new ProcessStartInfo(Clang,
                ["-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_70", "-std=c++17",
                 "-fsyntax-only", "-Werror", "-Wno-unused-function", path])
            { RedirectStandardError = true, RedirectStandardOutput = true };
            using var clang = Process.Start(start)!;
            string errors = clang.StandardError.ReadToEnd();
            clang.WaitForExit();
            Assert.True(clang.ExitCode == 0, $"{file} is not valid CUDA C++ after the prelude:\n{errors}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
