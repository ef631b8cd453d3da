using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Core;

public class CliErrorTests
{
    [Fact]
    public void UnknownVerbExitsWithTwoAndOneLine()
    {
        var err = new StringWriter();
        int code = CliApp.Run(["no-such-verb"], new StringWriter(), err);
        Assert.Equal(CliApp.UserError, code);
        Assert.Single(err.ToString().TrimEnd().Split('\n'));
    }

    [Fact]
    public void ValueOutsideAcceptedSetIsOneLine()
    {
        var err = new StringWriter();
        int code = CliApp.Run(["sweep", "export", "--table", "nope", "--out", "x.csv"], new StringWriter(), err);
        Assert.Equal(CliApp.UserError, code);
        Assert.Single(err.ToString().TrimEnd().Split('\n'));
    }
}
