using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Knn;

public class KnnCliTests
{
    private static string MakeClusters(DirectoryInfo dir, params string[] extra)
    {
        var path = Path.Combine(dir.FullName, "c.bin");
        Assert.Equal(0, CliApp.Run(["data", "percolation", "--z", "50", "--min-size", "20", "--max-size", "5000", .. extra, "--out", path], new StringWriter(), new StringWriter()));
        return path;
    }

    [Theory]
    [InlineData("data-scaling")]
    [InlineData("model-scaling")]
    public void WritesTablesAndPrintsSlopeNextToTheory(string verb)
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var clusters = MakeClusters(dir);
            var outPath = Path.Combine(dir.FullName, "r.csv");
            var output = new StringWriter();
            Assert.Equal(0, CliApp.Run(["knn", verb, "--clusters", clusters, "--out", outPath, "--seeds", "2", "--points", "6", "--test-fraction", "0.02"], output, new StringWriter()));
            Assert.Contains("fitted slope", output.ToString());
            Assert.Contains("theory", output.ToString());
            var header = File.ReadLines(outPath).First().Split(',');
            Assert.Equal(verb == "data-scaling" ? "train_size" : "dof", header[0]);
            Assert.Equal("loss", header[1]);
            Assert.Equal("seed", header[2]);
            Assert.Equal(1 + 2 * 6, File.ReadAllLines(outPath).Length);
            Assert.Equal(1 + 6, File.ReadAllLines(Path.Combine(dir.FullName, "r.summary.csv")).Length);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Theory]
    [InlineData("data-scaling", "--test-fraction", "1.5")]
    [InlineData("data-scaling", "--min-train", "1e12")]
    [InlineData("data-scaling", "--model", "euclidean")]        // Bethe clusters have no coordinates
    [InlineData("data-scaling", "--k", "3")]                    // a Euclidean option on the tree model
    [InlineData("model-scaling", "--examples-per-dof", "-1")]
    [InlineData("model-scaling", "--tau", "3.5")]
    [InlineData("model-scaling", "--seeds", "0")]
    public void BadInputExitsTwoWithOneLineAndNoFiles(string verb, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var clusters = MakeClusters(dir);
            var outPath = Path.Combine(dir.FullName, "r.csv");
            var err = new StringWriter();
            int code = CliApp.Run(["knn", verb, "--clusters", clusters, "--out", outPath, "--points", "4", "--seeds", "1", .. args], new StringWriter(), err);
            Assert.Equal(CliApp.UserError, code);
            Assert.Single(err.ToString().TrimEnd().Split('\n'));
            Assert.False(File.Exists(outPath));
            Assert.Equal(2, dir.GetFiles().Length); // only the cluster file and its sidecar
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void MissingClusterFileExitsTwo()
    {
        var err = new StringWriter();
        Assert.Equal(CliApp.UserError, CliApp.Run(["knn", "data-scaling", "--clusters", "/nonexistent/c.bin", "--out", Path.Combine(Path.GetTempPath(), "never.csv")], new StringWriter(), err));
        Assert.Single(err.ToString().TrimEnd().Split('\n'));
    }
}
