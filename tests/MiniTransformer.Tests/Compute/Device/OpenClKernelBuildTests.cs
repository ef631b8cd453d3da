using MiniTransformer.Compute.Device;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>Every kernels/*.cl builds on the OpenCL device, and a broken source surfaces the compiler's build log.</summary>
public class OpenClKernelBuildTests
{
    public static TheoryData<string> KernelFiles() =>
        new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "kernels"), "*.cl").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(KernelFiles))]
    public void EveryKernelFileBuilds(string file)
    {
        using var backend = DeviceBackends.OpenClOrSkip();
        backend.Prepare(file);
    }

    [Fact]
    public void BuildFailureCarriesTheBuildLog()
    {
        using var backend = DeviceBackends.OpenClOrSkip();
        const string source = "#line 1 \"broken.cl\"\n__kernel void broken(__global float* x)\n{\n    x[0] = undeclared_name;\n}\n";
        var e = Assert.Throws<KernelBuildException>(() => backend.BuildProgram("broken.cl", source));
        Assert.Contains("undeclared_name", e.BuildLog);
        Assert.Contains("broken.cl", e.Message);
        Assert.Contains(e.BuildLog.Trim().Split('\n')[0].Trim(), e.Message);
    }

    [Fact]
    public void IncludesExpandWithLineMarkers()
    {
        string source = KernelSource.Load("walks.cl");
        Assert.Contains("#line 1 \"philox.cl\"", source);
        Assert.Contains("philox4x32_10", source);
        Assert.Contains("#line 4 \"walks.cl\"", source);
    }
}
