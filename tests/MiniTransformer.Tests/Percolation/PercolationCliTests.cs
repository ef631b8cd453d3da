using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Percolation;

public class PercolationCliTests
{
    [Theory]
    [InlineData("--p", "1.5")]
    [InlineData("--p", "0")]
    [InlineData("--z", "2")]
    [InlineData("--min-size", "500", "--max-size", "100")]
    [InlineData("--lattice", "hypercubic", "--p", "-0.1")]
    [InlineData("--lattice", "hypercubic", "--p", "0.05", "--side", "16", "--min-size", "50")] // empty result
    [InlineData("--p", "0.001", "--min-size", "200", "--max-trials", "5000")]                 // empty result: subcritical
    [InlineData("--lattice", "hypercubic")]                                                   // hypercubic needs --p
    [InlineData("--dim", "3")]                                                                // a hypercubic option on bethe
    [InlineData("--lattice", "hypercubic", "--p", "0.5", "--backend", "opencl")]              // a bethe option on hypercubic
    [InlineData("--backend", "tpu")]
    [InlineData("--backend", "cuda", "--min-size", "500", "--max-size", "100")]               // bad sizes reported before any device
    public void BadInputExitsTwoWithOneLineAndNoFiles(params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var err = new StringWriter();
            int code = CliApp.Run(["data", "percolation", .. args, "--out", Path.Combine(dir.FullName, "c.bin")], new StringWriter(), err);
            Assert.Equal(CliApp.UserError, code);
            Assert.Single(err.ToString().TrimEnd().Split('\n'));
            Assert.Empty(dir.GetFileSystemInfos());
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void WritesClustersAndRefusesToOverwrite()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var path = Path.Combine(dir.FullName, "c.bin");
            string[] args = ["data", "percolation", "--z", "50", "--min-size", "20", "--max-size", "5000", "--out", path, "--json"];
            var output = new StringWriter();
            Assert.Equal(0, CliApp.Run(args, output, new StringWriter()));
            Assert.Contains("\"cluster_count\"", output.ToString());
            Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".json")));
            var before = File.ReadAllBytes(path);
            Assert.Equal(CliApp.UserError, CliApp.Run(args, new StringWriter(), new StringWriter()));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(0, CliApp.Run([.. args, "--force"], new StringWriter(), new StringWriter()));
            Assert.Equal(before, File.ReadAllBytes(path)); // same seed, same bits
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void SweepWritesSpanningCurve()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var path = Path.Combine(dir.FullName, "sweep.csv");
            var output = new StringWriter();
            Assert.Equal(0, CliApp.Run(["data", "percolation", "--lattice", "hypercubic", "--side", "64", "--sweep-runs", "20", "--sweep-points", "9", "--out", path], output, new StringWriter()));
            var lines = File.ReadAllLines(path);
            Assert.Equal("p,spanning_probability,largest_cluster_fraction", lines[0]);
            Assert.Equal(10, lines.Length);
            var spanning = lines.Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.True(spanning[0] < 0.01 && spanning[^1] > 0.99, "spanning rises from 0 (p = 0.1) to 1 (p = 0.9)");
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void PeriodicSweepWritesWrappingCurve()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var path = Path.Combine(dir.FullName, "sweep.csv");
            Assert.Equal(0, CliApp.Run(["data", "percolation", "--lattice", "hypercubic", "--side", "32", "--boundary", "periodic", "--sweep-runs", "20", "--sweep-points", "9", "--out", path], new StringWriter(), new StringWriter()));
            var lines = File.ReadAllLines(path);
            Assert.Equal("p,wrapping_probability,largest_cluster_fraction", lines[0]);
            var wrapping = lines.Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.True(wrapping[0] < 0.01 && wrapping[^1] > 0.99, "wrapping rises from 0 (p = 0.1) to 1 (p = 0.9)");
        }
        finally { dir.Delete(recursive: true); }
    }

    /// <summary>--backend opencl grows the clusters as kernels; the file is byte-identical to the CPU's.</summary>
    [Fact]
    public void DeviceGrowthWritesTheSameFile()
    {
        using (MiniTransformer.Tests.Compute.BackendCases.Create(MiniTransformer.Compute.BackendKind.OpenCL)) { }
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            string cpu = Path.Combine(dir.FullName, "cpu.bin"), device = Path.Combine(dir.FullName, "device.bin");
            string[] args = ["data", "percolation", "--z", "30", "--min-size", "10", "--max-size", "3000", "--seed", "4"];
            Assert.Equal(0, CliApp.Run([.. args, "--backend", "cpu", "--out", cpu], new StringWriter(), new StringWriter()));
            Assert.Equal(0, CliApp.Run([.. args, "--backend", "opencl", "--out", device], new StringWriter(), new StringWriter()));
            Assert.Equal(File.ReadAllBytes(cpu), File.ReadAllBytes(device));
        }
        finally { dir.Delete(recursive: true); }
    }

    /// <summary>An absent backend is a user error (one line, exit 2) and nothing is written; skips where CUDA exists.</summary>
    [Fact]
    public void AbsentBackendExitsTwo()
    {
        try { MiniTransformer.Compute.Backends.Create(MiniTransformer.Compute.BackendKind.Cuda).Dispose(); Assert.Skip("CUDA is available here"); }
        catch (MiniTransformer.Compute.BackendUnavailableException) { }
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var err = new StringWriter();
            int code = CliApp.Run(["data", "percolation", "--backend", "cuda", "--min-size", "10", "--max-size", "100", "--clusters", "5", "--out", Path.Combine(dir.FullName, "c.bin")], new StringWriter(), err);
            Assert.Equal(CliApp.UserError, code);
            Assert.Single(err.ToString().TrimEnd().Split('\n'));
            Assert.Empty(dir.GetFileSystemInfos());
        }
        finally { dir.Delete(recursive: true); }
    }
}
