using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MiniTransformer.Compute;
using MiniTransformer.IO;
using MiniTransformer.Percolation;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `data percolation`: grow Bethe-lattice clusters, or extract the clusters of a finite hypercubic lattice, with
/// their random-walk targets, into a cluster file — or, with --sweep-runs, run Newman–Ziff sweeps and write the
/// spanning (open) or wrapping (periodic) probability and largest-cluster fraction for all p.
/// Defaults finish in about a second (min 100, max 10^6 sites → 100 clusters at p_c); SCIENCE.md's data set is
/// `--min-size 300 --max-size 30000000` (316 clusters, ~3·10^7 sites).
/// </summary>
public static class PercolationDataCommand
{
    public static Command Create()
    {
        var lattice = new Option<string>("--lattice") { Description = "bethe: clusters grown from a root on a Bethe lattice; hypercubic: clusters of a finite d-dimensional lattice", DefaultValueFactory = _ => "bethe" };
        lattice.AcceptOnlyFromAmong("bethe", "hypercubic");
        var z = new Option<int>("--z") { Description = "bethe: coordination number z = 2d", DefaultValueFactory = _ => 200 };
        var p = new Option<double?>("--p") { Description = "Site occupation probability in (0, 1) (bethe default: p_c = 1/(z−1); required for hypercubic)" };
        var dim = new Option<int>("--dim") { Description = "hypercubic: dimension d", DefaultValueFactory = _ => 2 };
        var side = new Option<int>("--side") { Description = "hypercubic: side L (L^d sites)", DefaultValueFactory = _ => 256 };
        var boundary = new Option<string>("--boundary") { Description = "hypercubic: open or periodic edges", DefaultValueFactory = _ => "open" };
        boundary.AcceptOnlyFromAmong("open", "periodic");
        var minSize = new Option<int>("--min-size") { Description = "Keep clusters with at least this many sites", DefaultValueFactory = _ => 100 };
        var maxSize = new Option<int>("--max-size") { Description = "Discard (and count) clusters larger than this; Bethe growth stops there", DefaultValueFactory = _ => 1_000_000 };
        var clusters = new Option<int?>("--clusters") { Description = "bethe: clusters of size ≥ min-size to grow (default: expected-large·(max/min)^(τ−2), τ = 5/2)" };
        var expectedLarge = new Option<double>("--expected-large") { Description = "bethe: clusters expected above max-size under the default rule", DefaultValueFactory = _ => 1.0 };
        var maxTrials = new Option<long>("--max-trials") { Description = "bethe: give up after this many grown clusters", DefaultValueFactory = _ => 1_000_000_000 };
        var threads = new Option<int>("--threads") { Description = "Worker threads (−1: all cores); the output does not depend on it", DefaultValueFactory = _ => -1 };
        var sweepRuns = new Option<int>("--sweep-runs") { Description = "hypercubic: instead of clusters, run this many Newman–Ziff sweeps (seeds seed, seed+1, …) and write a CSV of the probability that a cluster crosses axis 0 (spans it when open, wraps around it when periodic) and the largest-cluster fraction against p", DefaultValueFactory = _ => 0 };
        var sweepPoints = new Option<int>("--sweep-points") { Description = "with --sweep-runs: number of p values in the CSV (evenly spaced over (0, 1))", DefaultValueFactory = _ => 199 };
        var backend = CommonOptions.Backend();
        backend.Description = "bethe: grow the clusters level by level as kernels on opencl or cuda (cpu: CPU threads); the output does not depend on it";
        var seed = CommonOptions.Seed();
        var output = new Option<string>("--out") { Description = "Cluster file to write (.bin + .json sidecar), or the CSV with --sweep-runs", Required = true };
        var force = CommonOptions.Force();

        var command = new Command("percolation", "Percolation clusters with Gaussian random-walk targets (Bethe lattice or finite hypercubic lattice), or Newman–Ziff threshold sweeps")
        {
            lattice, z, p, dim, side, boundary, minSize, maxSize, clusters, expectedLarge, maxTrials, threads, backend, sweepRuns, sweepPoints, seed, output, force,
        };
        command.SetAction(parse =>
        {
            bool bethe = parse.GetValue(lattice) == "bethe";
            foreach (var o in new Option[] { dim, side, boundary, sweepRuns, sweepPoints })
                RejectUnless(parse, o, !bethe, $"{o.Name} applies only to --lattice hypercubic");
            foreach (var o in new Option[] { z, clusters, expectedLarge, maxTrials, backend })
                RejectUnless(parse, o, bethe, $"{o.Name} applies only to --lattice bethe");
            string path = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            var writer = parse.InvocationConfiguration.Output;
            bool json = parse.GetValue(CommonOptions.Json);
            int runs = parse.GetValue(sweepRuns);
            if (runs < 0) throw new UserInputException($"--sweep-runs must be ≥ 0 (got {runs})");
            if (!bethe && runs > 0)
            {
                var lat = new HypercubicLattice(parse.GetValue(dim), parse.GetValue(side), parse.GetValue(boundary) == "periodic");
                RunSweeps(lat, runs, parse.GetValue(sweepPoints), parse.GetValue(seed), path, overwrite, writer, json);
                return 0;
            }

            var clock = Stopwatch.StartNew();
            ClusterSet set;
            if (bethe)
            {
                int zz = parse.GetValue(z);
                if (zz < 3) throw new UserInputException($"coordination number z must be ≥ 3 (got {zz})");
                double pp = parse.GetValue(p) ?? BetheGrowth.CriticalProbability(zz);
                int min = parse.GetValue(minSize), max = parse.GetValue(maxSize);
                int n = parse.GetValue(clusters) ?? BetheSpec.ClustersFromRule(parse.GetValue(expectedLarge), min, max);
                var spec = new BetheSpec(zz, pp, min, max, n, parse.GetValue(seed), parse.GetValue(maxTrials));
                spec.Validate();
                CheckWritable(path, overwrite);
                var kind = parse.GetValue(backend);
                ComputeBackend? device;
                try { device = kind == BackendKind.Cpu ? null : Backends.Create(kind); }
                catch (BackendUnavailableException e) { throw new UserInputException(e.Message); }
                using var owned = device;
                set = KnnCommands.WithProgress(parse, "growing clusters", progress => BetheClusterGenerator.Generate(spec, parse.GetValue(threads), progress, device));
            }
            else
            {
                double pp = parse.GetValue(p) ?? throw new UserInputException("--lattice hypercubic needs --p");
                var spec = new LatticeSpec(parse.GetValue(dim), parse.GetValue(side), parse.GetValue(boundary) == "periodic", pp,
                    parse.GetValue(minSize), parse.GetValue(maxSize), parse.GetValue(seed));
                spec.Validate();
                _ = new HypercubicLattice(spec.Dimension, spec.Side, spec.Periodic); // validates dimension and side first
                CheckWritable(path, overwrite);
                set = LatticeClusterExtractor.Extract(spec);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            ClusterFile.Write(path, set, overwrite);
            var info = set.Info;
            if (json)
                writer.WriteLine(Json.Serialize(new
                {
                    File = Path.GetFullPath(path), info.Lattice, info.Z, info.Dimension, info.Side, info.Periodic, info.P, info.Seed,
                    info.MinSize, info.MaxSize, info.ClusterCount, info.TotalSites, info.Trials, info.Discarded,
                    LargestCluster = info.Sizes.Max(), Seconds = seconds,
                }));
            else
            {
                string where = bethe ? $"Bethe lattice z = {info.Z}" : $"{info.Side}^{info.Dimension} {(info.Periodic == true ? "periodic" : "open")} lattice";
                writer.WriteLine($"wrote {path} (+ {Path.GetFileName(ClusterFile.SidecarPath(path))}): {info.ClusterCount:N0} clusters, {info.TotalSites:N0} sites, {where}, p = {info.P:G6}, seed {info.Seed}");
                writer.WriteLine($"sizes {info.MinSize:N0} … {info.MaxSize:N0}: largest kept {info.Sizes.Max():N0}; {(bethe ? "trials" : "clusters found")} {info.Trials:N0}; discarded above max-size {info.Discarded:N0}; {seconds:F2} s");
            }
            return 0;
        });
        return command;
    }

    /// <summary>An option set explicitly that the chosen lattice would ignore is a mistake, not a no-op.</summary>
    internal static void RejectUnless(ParseResult parse, Option option, bool applies, string message)
    {
        if (!applies && parse.GetResult(option) is { Implicit: false }) throw new UserInputException(message);
    }

    private static void CheckWritable(string path, bool force)
    {
        AtomicFile.EnsureWritable(path, force);
        AtomicFile.EnsureWritable(ClusterFile.SidecarPath(path), force);
        if (!path.EndsWith(".bin", StringComparison.Ordinal))
            throw new UserInputException($"cluster file '{path}' must end in .bin (its sidecar is the .json beside it)");
    }

    private static void RunSweeps(HypercubicLattice lattice, int runs, int points, ulong seed, string path, bool force, TextWriter writer, bool json)
    {
        if (points < 1) throw new UserInputException($"--sweep-points must be ≥ 1 (got {points})");
        AtomicFile.EnsureWritable(path, force);
        int n = lattice.SiteCount;
        var largest = new double[n + 1];
        var spanning = new double[n + 1];
        var firstSpanning = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            var sweep = NewmanZiffSweep.Run(lattice, seed + (ulong)r);
            for (int k = 0; k <= n; k++) largest[k] += sweep.LargestCluster[k] / (double)n / runs;
            // Crossing along axis 0: spanning on an open lattice, wrapping on a periodic one.
            int first = lattice.Periodic ? sweep.FirstWrapping : sweep.FirstSpanning;
            if (first > 0)
            {
                firstSpanning.Add(first / (double)n);
                for (int k = first; k <= n; k++) spanning[k] += 1.0 / runs;
            }
        }
        string crossing = lattice.Periodic ? "wrapping" : "spanning";
        var csv = new StringBuilder().AppendLine($"p,{crossing}_probability,largest_cluster_fraction");
        for (int i = 1; i <= points; i++)
        {
            double pp = i / (points + 1.0);
            csv.AppendLine(string.Join(',', pp.ToString("R", CultureInfo.InvariantCulture),
                NewmanZiffSweep.Canonical(spanning, pp).ToString("R", CultureInfo.InvariantCulture),
                NewmanZiffSweep.Canonical(largest, pp).ToString("R", CultureInfo.InvariantCulture)));
        }
        AtomicFile.WriteAllText(path, csv.ToString(), force);
        double? mean = firstSpanning.Count > 0 ? firstSpanning.Average() : null;
        double? se = firstSpanning.Count > 1 ? Math.Sqrt(firstSpanning.Sum(v => (v - mean!.Value) * (v - mean.Value)) / (firstSpanning.Count - 1) / firstSpanning.Count) : null;
        if (json)
            writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(path), lattice.Dimension, lattice.Side, lattice.Periodic, Runs = runs, Crossing = crossing, CrossingThreshold = mean, CrossingThresholdStandardError = se }));
        else
        {
            writer.WriteLine($"wrote {path}: {runs} Newman–Ziff sweeps of a {lattice.Side}^{lattice.Dimension} {(lattice.Periodic ? "periodic" : "open")} lattice, {points} values of p");
            if (mean is { } m) writer.WriteLine($"{crossing} threshold (mean fraction occupied when a cluster first {(lattice.Periodic ? "wraps around" : "spans")} axis 0): {m:F5}{(se is { } s ? $" ± {s:F5}" : "")}");
        }
    }
}
