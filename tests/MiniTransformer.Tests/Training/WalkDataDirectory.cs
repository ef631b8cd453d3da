namespace MiniTransformer.Tests.Training;

/// <summary>A temporary directory holding train and test walks of one small connected ER graph.</summary>
public sealed class WalkDataDirectory : IDisposable
{
    public WalkDataDirectory(int nodes = 24, int edges = 60, int sequenceLength = 17, int trainSequences = 4096, int testSequences = 256)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mt-gpt-").FullName;
        ulong graphSeed = 1;
        Graph = new GraphWalkData(nodes, edges, graphSeed);
        while (!Graph.IsConnected()) Graph = new GraphWalkData(nodes, edges, ++graphSeed);
        TrainPath = Graph.WriteTokenFile(Path.Combine(Directory, "train.bin"), sequenceLength, trainSequences, seed: 101);
        TestPath = Graph.WriteTokenFile(Path.Combine(Directory, "test.bin"), sequenceLength, testSequences, seed: 202);
    }

    public string Directory { get; }
    public GraphWalkData Graph { get; }
    public string TrainPath { get; }
    public string TestPath { get; }

    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
