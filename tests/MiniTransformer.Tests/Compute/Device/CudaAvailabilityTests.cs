using System.Runtime.InteropServices;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cuda;
using MiniTransformer.Compute.Device;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>Without an NVIDIA driver the CUDA backend fails with a one-line reason; with one, NVRTC errors carry their log.</summary>
public class CudaAvailabilityTests
{
    private static bool DriverLoadable => NativeLibrary.TryLoad("libcuda.so.1", out _);

    [Fact]
    public void WithoutADriverSelectingCudaFailsWithOneLineReason()
    {
        if (DriverLoadable) Assert.Skip("libcuda.so.1 is loadable here: this test covers machines without an NVIDIA driver");
        var e = Assert.Throws<BackendUnavailableException>(() => new CudaBackend());
        Assert.Equal(BackendKind.Cuda, e.Kind);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("libcuda.so.1", e.Message);
        Assert.Throws<BackendUnavailableException>(() => CudaBackend.ListDevices());
    }

    [Fact]
    public void NvrtcCompileErrorCarriesTheProgramLog()
    {
        using var backend = DeviceBackends.CudaOrSkip();
        const string source = "#line 1 \"broken.cl\"\n__kernel void broken(__global float* x)\n{\n    x[0] = undeclared_name;\n}\n";
        var e = Assert.Throws<KernelBuildException>(() => backend.BuildModule("broken.cl", source));
        Assert.Contains("undeclared_name", e.BuildLog);
        Assert.Contains("broken.cl", e.Message);
    }

    public static TheoryData<string> KernelFiles() => OpenClKernelBuildTests.KernelFiles();

    [Theory]
    [MemberData(nameof(KernelFiles))]
    public void EveryKernelFileCompilesWithNvrtc(string file)
    {
        using var backend = DeviceBackends.CudaOrSkip();
        backend.Prepare(file);
    }
}
