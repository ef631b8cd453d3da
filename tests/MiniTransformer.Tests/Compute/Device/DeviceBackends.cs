using MiniTransformer.Compute;
using MiniTransformer.Compute.Cuda;
using MiniTransformer.Compute.OpenCL;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>
/// Opens a device backend for a device-specific test, or skips the test with the backend's one-line reason.
/// MT_REQUIRE_OPENCL=1 / MT_REQUIRE_CUDA=1 turn the skip into a failure (CI, the GPU machine).
/// </summary>
internal static class DeviceBackends
{
    public static OpenClBackend OpenClOrSkip()
    {
        try { return new OpenClBackend(); }
        catch (BackendUnavailableException e) when (!Required("MT_REQUIRE_OPENCL"))
        {
            Assert.Skip(e.Message);
            throw;
        }
    }

    public static CudaBackend CudaOrSkip()
    {
        try { return new CudaBackend(); }
        catch (BackendUnavailableException e) when (!Required("MT_REQUIRE_CUDA"))
        {
            Assert.Skip(e.Message);
            throw;
        }
    }

    public static bool Required(string variable) => Environment.GetEnvironmentVariable(variable) == "1";
}
