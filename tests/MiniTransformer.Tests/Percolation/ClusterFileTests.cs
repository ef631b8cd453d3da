using MiniTransformer.Percolation;

namespace MiniTransformer.Tests.Percolation;

public class ClusterFileTests
{
    [Fact]
    public void RoundTripsBetheAndLatticeClusters()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            foreach (var set in new[]
                     {
                         BetheClusterGenerator.Generate(new BetheSpec(20, 1.0 / 19, 10, 1000, 12, Seed: 1)),
                         LatticeClusterExtractor.Extract(new LatticeSpec(2, 40, false, 0.6, 3, 10_000, Seed: 2)),
                     })
            {
                var path = Path.Combine(dir.FullName, $"{set.Info.Lattice}.bin");
                ClusterFile.Write(path, set, force: false);
                var back = ClusterFile.Read(path);
                Assert.Equal(set.Parents, back.Parents);
                Assert.Equal(set.Values, back.Values);
                Assert.Equal(set.Coordinates, back.Coordinates);
                Assert.Equal(set.Info.Sizes, back.Info.Sizes);
                Assert.Equal(set.Info.ClusterIds, back.Info.ClusterIds);
                Assert.Equal(set.Offsets, back.Offsets);
                Assert.Throws<UserInputException>(() => ClusterFile.Write(path, set, force: false));
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void RejectsTruncatedAndMissingFiles()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var set = BetheClusterGenerator.Generate(new BetheSpec(20, 1.0 / 19, 10, 1000, 5, Seed: 1));
            var path = Path.Combine(dir.FullName, "c.bin");
            ClusterFile.Write(path, set, force: false);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^4]);
            Assert.Throws<UserInputException>(() => ClusterFile.Read(path));
            // A parent pointing forward is not a BFS-ordered tree.
            bytes[4] = 5; bytes[5] = 0; bytes[6] = 0; bytes[7] = 0;
            File.WriteAllBytes(path, bytes);
            Assert.Throws<UserInputException>(() => ClusterFile.Read(path));
            Assert.Throws<UserInputException>(() => ClusterFile.Read(Path.Combine(dir.FullName, "none.bin")));
        }
        finally { dir.Delete(recursive: true); }
    }
}
