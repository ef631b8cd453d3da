using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class BackendsTests
{
    [Theory]
    [InlineData("cpu", BackendKind.Cpu)]
    [InlineData("OpenCL", BackendKind.OpenCL)]
    [InlineData(" cuda ", BackendKind.Cuda)]
    public void ParsesBackendNames(string name, BackendKind expected) => Assert.Equal(expected, Backends.Parse(name));

    [Fact]
    public void UnknownBackendIsAUserError()
    {
        var e = Assert.Throws<UserInputException>(() => Backends.Parse("tpu"));
        Assert.Contains("cpu, opencl or cuda", e.Message);
    }

    [Fact]
    public void CpuIsAlwaysAvailable()
    {
        using var backend = Backends.Create(BackendKind.Cpu);
        Assert.Equal(BackendKind.Cpu, backend.Kind);
        Assert.Equal(BackendKind.Cpu, backend.Info.Kind);
        Assert.True(backend.Info.ComputeUnits >= 1 && backend.Info.SimdWidth >= 1 && backend.Info.MemoryBytes > 0);
    }

    [Fact]
    public void TheLedgerSumsDeclaredCosts()
    {
        using var backend = Backends.Create(BackendKind.Cpu);
        var ledger = new OpLedger();
        backend.Ledger = ledger;
        using var x = backend.Allocate<float>(100);
        backend.Fill(x, 1f);
        backend.Add(x, x, x, 100);
        backend.Add(x, x, x, 100);
        Assert.Equal(2, ledger.Totals["add"].Launches);
        Assert.Equal(200, ledger.Totals["add"].Cost.Flops);
        Assert.Equal(400 + 4 * (3 * 100 * 2), ledger.Total.Bytes);
    }
}
