using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// One of the writer's statements, prepared once on the writer connection and run through SQLitePCLRaw (the
/// library under Microsoft.Data.Sqlite) so that binding a value and reading a column allocate nothing.
/// Microsoft.Data.Sqlite allocates a binder per parameter per execution, a reader per query and a box per number:
/// about 1.5 KB per report, the largest share of the garbage that ingestion made (measured with GC allocation ticks).
/// <para>Values are bound in the order their names first appear in the SQL; each bind names its parameter and
/// is checked against that order, so a mismatch fails loudly rather than storing a value in the wrong column.</para>
/// </summary>
internal sealed class WriterStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly string[] _names;
    private int _next;

    public WriterStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
        _names = new string[raw.sqlite3_bind_parameter_count(_statement)];
        for (var i = 0; i < _names.Length; i++)
            _names[i] = raw.sqlite3_bind_parameter_name(_statement, i + 1).utf8_to_string();
    }

    public WriterStatement Bind(string name, string? value) =>
        Bound(name, value is null ? raw.sqlite3_bind_null(_statement, _next + 1) : raw.sqlite3_bind_text16(_statement, _next + 1, value.AsSpan()));

    public WriterStatement Bind(string name, long? value) =>
        Bound(name, value is { } v ? raw.sqlite3_bind_int64(_statement, _next + 1, v) : raw.sqlite3_bind_null(_statement, _next + 1));

    /// <summary>Binds text already in UTF-8, the database's encoding, so SQLite stores it without converting it.</summary>
    public WriterStatement BindText(string name, ReadOnlySpan<byte> utf8) => Bound(name, raw.sqlite3_bind_text(_statement, _next + 1, utf8));

    public WriterStatement Bind(string name, ReadOnlySpan<byte> value) => Bound(name, raw.sqlite3_bind_blob(_statement, _next + 1, value));

    /// <summary>Runs a statement that returns no rows.</summary>
    public void Execute()
    {
        try
        {
            Step();
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Runs a query; true with its first row readable through the column getters. The caller calls <see cref="Reset"/> afterwards, whatever happens.</summary>
    public bool Query() => Step();

    /// <summary>Makes the statement ready to bind and run again (after <see cref="Query"/>; <see cref="Execute"/> does it itself).</summary>
    public void Reset()
    {
        _next = 0;
        raw.sqlite3_reset(_statement);
    }

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public long? NullableInt64(int column) => IsNull(column) ? null : Int64(column);

    public string Text(int column) => raw.sqlite3_column_text(_statement, column).utf8_to_string();

    public string? NullableText(int column) => IsNull(column) ? null : Text(column);

    public byte[] Blob(int column) => raw.sqlite3_column_blob(_statement, column).ToArray();

    public void Dispose() => _statement.Dispose();

    private bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    private bool Step()
    {
        if (_next != _names.Length)
            throw new InvalidOperationException($"Only {_next} of the {_names.Length} parameters are bound; the next is {_names[_next]}.");
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
            return true;
        if (rc != raw.SQLITE_DONE)
            Check(rc);
        return false;
    }

    private WriterStatement Bound(string name, int rc)
    {
        if (_next < _names.Length && _names[_next] == name && rc == raw.SQLITE_OK)
        {
            _next++;
            return this;
        }
        // Start over on the next use, whatever this batch does with the exception.
        var expected = _next < _names.Length ? _names[_next] : "no more parameters";
        Reset();
        Check(rc);
        throw new InvalidOperationException($"Parameter {name} is bound where the SQL has {expected}.");
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, _db);
    }
}
