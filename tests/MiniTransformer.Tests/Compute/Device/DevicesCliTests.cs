using System.CommandLine;
using System.Text.Json;
using MiniTransformer.Cli;
using MiniTransformer.Cli.Commands;
using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>The `devices` verb and the shared --backend option.</summary>
public class DevicesCliTests
{
    [Fact]
    public void DevicesJsonListsEveryBackendWithDevicesOrAReason()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["devices", "--json"], stdout, new StringWriter()));
        using var json = JsonDocument.Parse(stdout.ToString());
        var backends = json.RootElement.GetProperty("backends").EnumerateArray().ToList();
        Assert.Equal(["cpu", "opencl", "cuda"], backends.Select(b => b.GetProperty("backend").GetString()));
        foreach (var b in backends)
        {
            if (b.GetProperty("available").GetBoolean())
                Assert.All(b.GetProperty("devices").EnumerateArray(), d =>
                {
                    Assert.False(string.IsNullOrWhiteSpace(d.GetProperty("name").GetString()));
                    Assert.True(d.GetProperty("memory_bytes").GetInt64() > 0);
                    Assert.True(d.GetProperty("compute_units").GetInt32() > 0);
                });
            else
                Assert.DoesNotContain('\n', b.GetProperty("reason").GetString()!);
        }
        Assert.True(backends[0].GetProperty("available").GetBoolean(), "the CPU backend is always available");
    }

    [Fact]
    public void DevicesTextHasOneLinePerDeviceOrUnavailableBackend()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["devices"], stdout, new StringWriter()));
        var lines = stdout.ToString().TrimEnd().Split('\n');
        Assert.StartsWith("backend", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("cpu "));
        Assert.Contains(lines, l => l.StartsWith("cuda "));
    }

    [Theory]
    [InlineData("cpu", BackendKind.Cpu)]
    [InlineData("OpenCL", BackendKind.OpenCL)]
    [InlineData("cuda", BackendKind.Cuda)]
    public void BackendOptionParsesTheThreeNames(string name, BackendKind expected)
    {
        var option = CommonOptions.Backend();
        var result = new RootCommand { option }.Parse(["--backend", name]);
        Assert.Empty(result.Errors);
        Assert.Equal(expected, result.GetValue(option));
    }

    [Fact]
    public void UnknownBackendIsAParseErrorNamingTheChoices()
    {
        var option = CommonOptions.Backend();
        var result = new RootCommand { option }.Parse(["--backend", "tpu"]);
        var error = Assert.Single(result.Errors);
        Assert.Contains("cpu, opencl or cuda", error.Message);
    }
}
