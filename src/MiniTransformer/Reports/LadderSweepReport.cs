using System.Globalization;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Reports;

/// <summary>
/// One rung of a ladder sweep's report: its data (floor, the generator's test loss on the real text), its student cells
/// (best test loss over learning rates and seeds per (width, D)) and the transformer report's own fits on them —
/// L(D)|N per model and L(N)|D per budget, with the exponents' mean ± s.d. over slices.
/// </summary>
public sealed record LadderRungReport(LadderRungData Data, IReadOnlyList<RunRow> Runs, IReadOnlyList<ScalingCell> Cells, ScalingAnalysis Analysis)
{
    public (double Mean, double StdDev, int Count)? AlphaD => ScalingAnalysis.ExponentSummary(Analysis.DSlices);
    public (double Mean, double StdDev, int Count)? AlphaN => ScalingAnalysis.ExponentSummary(Analysis.NSlices);
    public double? BestLoss => Cells.Count > 0 ? Cells.Min(c => c.Loss) : null;
}

public sealed record LadderReportModel(SweepSpec Spec, string SpecJson, string Directory, IReadOnlyList<LadderRungReport> Rungs,
    string Command, DateTime GeneratedUtc, string CodeVersion)
{
    public IEnumerable<RunRow> NotDone => Rungs.SelectMany(r => r.Runs).Where(r => r.Status != "done");
}

/// <summary>
/// The report of a <c>language_ladder</c> sweep (DIR/report.html + report.md, written together): exponents along the
/// ladder — per rung the same slice fits as a transformer sweep's report (<see cref="ScalingAnalysis"/>) — and a table and
/// plot of exponent against rung with each rung's floor.
/// </summary>
public static class LadderSweepReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Whether DIR/spec.json describes a ladder sweep (false when there is no readable spec: the caller's own checks report that).</summary>
    public static bool IsLadderSweep(string directory)
    {
        var path = Path.Combine(directory, "spec.json");
        if (!File.Exists(path)) return false;
        try { return SweepSpecLoader.Parse(File.ReadAllText(path), path).IsLadder; }
        catch (UserInputException) { return false; }
    }

    public static LadderReportModel Build(string sweepDirectory, ReportOptions options)
    {
        var (spec, specJson, storePath) = SweepResults.Locate(sweepDirectory);
        if (!spec.IsLadder) throw new UserInputException($"'{sweepDirectory}' does not hold a {DataSpec.LanguageLadder} sweep");
        var ladderPath = Path.Combine(sweepDirectory, LadderData.FileName);
        if (!File.Exists(ladderPath)) throw new UserInputException($"'{ladderPath}' does not exist (the ladder's data is prepared by `sweep`)");
        var data = LadderData.Read(sweepDirectory);
        List<(string Rung, RunRow Row)> rows;
        using (var store = new ResultsStore(storePath))
            rows = store.Rows().Where(r => (string)r["kind"]! == LadderRunConfig.StoreKind && (string)r["sweep"]! == spec.Name)
                .Select(r => ((string)r["rung"]!, SweepResults.ToRunRow(r))).ToList();
        var rungs = data.Rungs.Select(rung =>
        {
            var runs = rows.Where(r => r.Rung == rung.Name).Select(r => r.Row).ToList();
            var cells = new SweepResults(sweepDirectory, spec, specJson, runs).Cells;
            return new LadderRungReport(rung, runs, cells, ScalingAnalysis.Run(cells, options.Fits with { Frontier = false }));
        }).ToList();
        var (command, _) = SweepReport.Command(sweepDirectory, options.Command);
        return new LadderReportModel(spec, specJson, sweepDirectory, rungs, command, DateTime.UtcNow, Training.CodeVersion.Current);
    }

    public static ReportPaths Write(string sweepDirectory, ReportOptions options)
    {
        SweepReport.EnsureWritable(sweepDirectory, options);
        return Write(Build(sweepDirectory, options), sweepDirectory, options);
    }

    public static ReportPaths Write(LadderReportModel model, string sweepDirectory, ReportOptions options) =>
        SweepReport.WriteFiles(sweepDirectory, options, LadderHtmlReport.Render(model), _ => LadderMarkdownReport.Render(model));

    public static readonly string[] LadderHeader =
        ["rung", "kind", "floor (MC entropy, nats)", "generator test loss", "best student loss", "cells", "α_D (L(D)|N)", "slices", "α_N (L(N)|D)", "slices"];

    /// <summary>The exponent-vs-rung table: one row per rung in ladder order.</summary>
    public static IEnumerable<string[]> LadderRows(LadderReportModel m) => m.Rungs.Select(r => new[]
    {
        r.Data.Name, r.Data.Kind, Opt(r.Data.Floor), Opt(r.Data.GeneratorTestLoss), Opt(r.BestLoss), r.Cells.Count.ToString(Inv),
        Exponent(r.AlphaD), (r.AlphaD?.Count ?? 0).ToString(Inv), Exponent(r.AlphaN), (r.AlphaN?.Count ?? 0).ToString(Inv),
    });

    /// <summary>One terminal line per rung.</summary>
    public static IEnumerable<string> ExponentLines(LadderReportModel m) => m.Rungs.Select(r =>
        $"{r.Data.Name} ({r.Data.Kind}): floor {Opt(r.Data.Floor)}, best loss {Opt(r.BestLoss)}, α_D = {Exponent(r.AlphaD)}, α_N = {Exponent(r.AlphaN)}");

    internal static string Opt(double? v) => v is { } x ? x.ToString("F4", Inv) : "—";

    internal static string Exponent((double Mean, double StdDev, int Count)? e) => e switch
    {
        null => "not fitted",
        { Count: 1 } x => x.Mean.ToString("F3", Inv),
        { } x => $"{x.Mean.ToString("F3", Inv)} ± {x.StdDev.ToString("F3", Inv)}",
    };
}
