using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>
/// The backends every op test runs on, and how a test gets one: an absent backend skips with its one-line reason,
/// except that MT_REQUIRE_OPENCL=1 (set in CI, where PoCL is installed) turns a missing OpenCL into a failure,
/// and MT_REQUIRE_CUDA=1 (set on a GPU machine) does the same for CUDA.
/// </summary>
public static class BackendCases
{
    public static TheoryData<BackendKind> All => new(BackendKind.Cpu, BackendKind.OpenCL, BackendKind.Cuda);

    public static ComputeBackend Create(BackendKind kind)
    {
        try
        {
            return Backends.Create(kind);
        }
        catch (BackendUnavailableException e)
        {
            if (kind == BackendKind.OpenCL && Environment.GetEnvironmentVariable("MT_REQUIRE_OPENCL") == "1")
                Assert.Fail($"MT_REQUIRE_OPENCL=1 but {e.Message}");
            if (kind == BackendKind.Cuda && Environment.GetEnvironmentVariable("MT_REQUIRE_CUDA") == "1")
                Assert.Fail($"MT_REQUIRE_CUDA=1 but {e.Message}");
            Assert.Skip(e.Message);
            throw; // unreachable: Assert.Skip throws
        }
    }
}
