using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using GitOpsStatus.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>Which store method throws, and how often each was called.</summary>
public sealed class StoreFaults
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private volatile string? _failing;

    /// <summary>From now on <paramref name="method"/> throws an <see cref="InvalidOperationException"/> (no database error) on every call.</summary>
    public void Fail(string method) => _failing = method;

    public void Heal() => _failing = null;

    public int Calls(string method) => _calls.GetValueOrDefault(method);

    internal void Enter(string method)
    {
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        if (_failing == method)
            throw new InvalidOperationException($"injected fault in {method}");
    }
}

/// <summary>
/// The app's real store (SQLite file or PostgreSQL) behind a proxy of <see cref="IStatusStore"/> that throws from one
/// method on demand: everything else, and that method once healed, is the real store's.
/// </summary>
public class FaultyStore : DispatchProxy
{
    private IStatusStore _store = null!;
    private StoreFaults _faults = null!;

    /// <summary>Wraps the store the app registered.</summary>
    public static void Decorate(IServiceCollection services, StoreFaults faults)
    {
        var real = services.Last(d => d.ServiceType == typeof(IStatusStore));
        services.Replace(ServiceDescriptor.Singleton(s =>
        {
            var proxy = Create<IStatusStore, FaultyStore>();
            var faulty = (FaultyStore)(object)proxy;
            faulty._store = (IStatusStore)real.ImplementationFactory!(s);
            faulty._faults = faults;
            return proxy;
        }));
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = targetMethod!;
        _faults.Enter(method.Name);
        try
        {
            return method.Invoke(_store, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
