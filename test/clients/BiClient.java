// BiClient: reads the views of a health_score model the way a BI tool does
// (DatabaseMetaData.getTables, getColumns with REMARKS, then SELECT *) and
// checks names, JDBC types, comments and row counts.  Run by test/t/jdbc.sh.
//
//   java -cp /usr/share/java/postgresql.jar:DIR BiClient \
//       [host=H] [port=P] [db=D] [user=U] model=M key=NAME:PGTYPE \
//       segments=A,B metrics=X,Y,Z scored=N rows.scores=N rows.red=N ...
//
// host, port, db and user default to PGHOST, PGPORT, PGDATABASE and PGUSER;
// a PGHOST that is a socket directory is ignored (pgjdbc speaks TCP only).
// The expected counts (rows.<relation> for each of the eleven relations:
// the views scores, red, yellow, green, segment_summary, trend, dropped,
// scores_mv and overrides, the table stored_scores under scores_mv and the
// table override_log under overrides (empty: the model overrides nothing,
// so the counts are 0); and scored: how
// many customers have a score) come from the caller, who computes them
// from the source table by another route.  A materialized view is looked
// for too, so that one is reported (scores_mv was one up to 1.3).  The
// model's history and snapshots tables, and history's partitions, are
// listed by getTables but not checked.  Exits 0 and prints a summary when
// everything matches, 1 listing every mismatch, 2 on bad arguments or
// when the database cannot be read at all.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.JDBCType;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

public final class BiClient {

	// The JDBC type pgjdbc 42.5.5 (Debian 12) reports for each PostgreSQL type
	// the views use.  timestamptz is Types.TIMESTAMP, not
	// TIMESTAMP_WITH_TIMEZONE, and bool is Types.BIT, not BOOLEAN: that is
	// what this driver says, in getColumns and in the result set's
	// metadata alike, and what BI tools built on it see.
	private static final Map<String, JDBCType> JDBC_TYPES = Map.of(
			"int4", JDBCType.INTEGER,
			"int8", JDBCType.BIGINT,
			"text", JDBCType.VARCHAR,
			"float8", JDBCType.DOUBLE,
			"date", JDBCType.DATE,
			"bool", JDBCType.BIT,
			"timestamptz", JDBCType.TIMESTAMP);

	// The Java class getObject() returns for each of those JDBC types: what
	// a BI tool gets when it fetches the rows.
	private static final Map<JDBCType, Class<?>> JAVA_CLASSES = Map.of(
			JDBCType.INTEGER, Integer.class,
			JDBCType.BIGINT, Long.class,
			JDBCType.VARCHAR, String.class,
			JDBCType.DOUBLE, Double.class,
			JDBCType.DATE, Date.class,
			JDBCType.BIT, Boolean.class,
			JDBCType.TIMESTAMP, Timestamp.class);

	private static final List<String> BANDS = List.of("red", "yellow", "green");

	/** The relations shaped like trend: one row per customer of the latest snapshot. */
	private static final List<String> TRENDS = List.of("trend", "dropped");

	/** The table types getTables is asked for. */
	private static final String[] TABLE_TYPES = {"VIEW", "MATERIALIZED VIEW", "TABLE"};

	/** The model's tables of snapshots, which this client does not check. */
	private static boolean isHistory(String relation) {
		return relation.equals("snapshots") || relation.equals("history") || relation.matches("history_[0-9]{4}_[0-9]{2}");
	}

	/** A column the views must have: its name and PostgreSQL type name. */
	private record Column(String name, String pgType) {
		JDBCType jdbcType() {
			return JDBC_TYPES.get(pgType);
		}
	}

	/** What reading one relation with SELECT * found. */
	private static final class Rows {
		long rows;
		boolean columnsOk;  // the expected columns, so the sums below were read
		long scored;        // rows with a non-NULL score (scores- and trend-shaped relations)
		long customers;     // sum of the customers column (segment_summary)
		long droppedBand;   // rows with dropped_band true (trend-shaped relations)
		long droppedBandNull;  // and with dropped_band NULL
	}

	private final List<String> failures = new ArrayList<>();

	private void fail(String message) {
		failures.add(message);
	}

	public static void main(String[] args) {
		Map<String, String> opts;
		try {
			opts = parseArgs(args);
		} catch (IllegalArgumentException e) {
			System.err.println("BiClient: " + e.getMessage());
			System.exit(2);
			return;
		}
		try {
			System.exit(new BiClient().run(opts));
		} catch (SQLException e) {
			System.err.println("BiClient: FAIL: " + e.getMessage());
			System.exit(2);
		} catch (IllegalArgumentException e) {
			System.err.println("BiClient: " + e.getMessage());
			System.exit(2);
		}
	}

	/** key=value arguments over the PG* environment defaults. */
	private static Map<String, String> parseArgs(String[] args) {
		Map<String, String> opts = new HashMap<>();
		String pghost = System.getenv("PGHOST");
		// a socket directory is no use to pgjdbc, which speaks TCP only
		opts.put("host", pghost == null || pghost.isEmpty() || pghost.startsWith("/") ? "localhost" : pghost);
		opts.put("port", envOr("PGPORT", "5432"));
		opts.put("db", envOr("PGDATABASE", "postgres"));
		opts.put("user", envOr("PGUSER", System.getProperty("user.name")));
		opts.put("segments", "");
		for (String arg : args) {
			int eq = arg.indexOf('=');
			if (eq <= 0) {
				throw new IllegalArgumentException("arguments are key=value, not " + arg);
			}
			opts.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		for (String required : List.of("model", "key", "metrics", "scored")) {
			if (!opts.containsKey(required)) {
				throw new IllegalArgumentException("missing argument " + required + "=...");
			}
		}
		return opts;
	}

	private static String envOr(String name, String fallback) {
		String value = System.getenv(name);
		return value == null || value.isEmpty() ? fallback : value;
	}

	private static List<String> list(String commaSeparated) {
		return commaSeparated.isEmpty() ? List.of() : Arrays.asList(commaSeparated.split(","));
	}

	private static long number(Map<String, String> opts, String name) {
		String value = opts.get(name);
		if (value == null) {
			throw new IllegalArgumentException("missing argument " + name + "=...");
		}
		try {
			return Long.parseLong(value);
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(name + " must be a number, not " + value);
		}
	}

	private int run(Map<String, String> opts) throws SQLException {
		String schema = "health_score_" + opts.get("model");
		String[] key = opts.get("key").split(":", 2);
		if (key.length != 2 || !JDBC_TYPES.containsKey(key[1])) {
			throw new IllegalArgumentException("key must be NAME:TYPE with TYPE one of " + JDBC_TYPES.keySet());
		}
		List<String> segments = list(opts.get("segments"));
		List<String> metrics = list(opts.get("metrics"));

		// The columns build() promises, in order.
		List<Column> scoresColumns = new ArrayList<>();
		scoresColumns.add(new Column(key[0], key[1]));
		segments.forEach(s -> scoresColumns.add(new Column(s, "text")));
		scoresColumns.addAll(List.of(
				new Column("score", "float8"), new Column("band", "text"),
				new Column("grade", "text"), new Column("percentile", "int4"),
				new Column("segment_percentile", "int4"), new Column("rank", "int8"),
				new Column("coverage", "float8"), new Column("computed_at", "timestamptz")));
		metrics.forEach(m -> scoresColumns.add(new Column(m + "_score", "float8")));
		// how many metrics were stale: last, after the metric scores of a
		// first build (a metric added later comes after it)
		scoresColumns.add(new Column("stale", "int4"));
		scoresColumns.add(new Column("overridden", "int4"));
		// stored_scores: the columns of scores that a customer's own row
		// decides, in their order there
		List<Column> storedColumns = scoresColumns.stream()
				.filter(c -> !List.of("percentile", "segment_percentile", "rank", "computed_at").contains(c.name()))
				.toList();
		List<Column> summaryColumns = new ArrayList<>();
		segments.forEach(s -> summaryColumns.add(new Column(s, "text")));
		summaryColumns.addAll(List.of(
				new Column("band", "text"), new Column("customers", "int8"),
				new Column("share", "float8"), new Column("average_score", "float8")));
		List<Column> trendColumns = new ArrayList<>();
		trendColumns.add(new Column(key[0], key[1]));
		segments.forEach(s -> trendColumns.add(new Column(s, "text")));
		trendColumns.addAll(List.of(
				new Column("taken_on", "date"), new Column("score", "float8"), new Column("band", "text"),
				new Column("previous_on", "date"), new Column("previous_score", "float8"),
				new Column("previous_band", "text"), new Column("delta_wow", "float8"),
				new Column("delta_mom", "float8"), new Column("band_change", "text"),
				new Column("dropped_band", "bool"), new Column("slope_90d", "float8"),
				new Column("sparkline", "text"), new Column("top_mover", "text"),
				new Column("top_mover_change", "float8"), new Column("model_version", "int4")));

		// the overrides in force, and the log they are read from
		List<Column> overridesColumns = List.of(new Column(key[0], key[1]), new Column("metric", "text"),
				new Column("score", "float8"), new Column("reason", "text"), new Column("set_by", "text"),
				new Column("set_at", "timestamptz"), new Column("expires_on", "date"), new Column("log_id", "int8"));
		List<Column> logColumns = List.of(new Column("log_id", "int8"), new Column("logged_at", "timestamptz"),
				new Column("logged_by", "text"), new Column(key[0], key[1]), new Column("metric", "text"),
				new Column("action", "text"), new Column("old_score", "float8"), new Column("new_score", "float8"),
				new Column("reason", "text"), new Column("expires_on", "date"));

		// Relation name -> (table type, columns), in the order reported.
		Map<String, String> types = new LinkedHashMap<>();
		Map<String, List<Column>> columns = new LinkedHashMap<>();
		for (String relation : List.of("scores", "red", "yellow", "green", "segment_summary", "trend", "dropped",
				"scores_mv", "stored_scores", "overrides", "override_log")) {
			types.put(relation, List.of("stored_scores", "override_log").contains(relation) ? "TABLE" : "VIEW");
			columns.put(relation, relation.equals("segment_summary") ? summaryColumns
					: relation.equals("stored_scores") ? storedColumns
					: relation.equals("overrides") ? overridesColumns
					: relation.equals("override_log") ? logColumns
					: TRENDS.contains(relation) ? trendColumns : scoresColumns);
		}

		String url = String.format("jdbc:postgresql://%s:%s/%s", opts.get("host"), opts.get("port"), opts.get("db"));
		Properties props = new Properties();
		props.setProperty("user", opts.get("user"));
		props.setProperty("ApplicationName", "health_score BiClient");
		// fail fast, with pgjdbc's message, when nothing listens on TCP
		props.setProperty("connectTimeout", "10");
		Map<String, Rows> read = new LinkedHashMap<>();
		try (Connection conn = DriverManager.getConnection(url, props)) {
			DatabaseMetaData meta = conn.getMetaData();
			System.out.printf("BiClient: %s %s against %s, schema %s%n", meta.getDriverName(),
					meta.getDriverVersion(), url, schema);
			// a relation getTables does not find is reported once, not again
			// by every later step
			columns.keySet().retainAll(checkTables(meta, schema, types));
			for (Map.Entry<String, List<Column>> e : columns.entrySet()) {
				checkColumns(meta, schema, e.getKey(), e.getValue());
			}
			for (Map.Entry<String, List<Column>> e : columns.entrySet()) {
				Rows rows = selectAll(conn, schema, e.getKey(), e.getValue());
				if (rows != null) {
					read.put(e.getKey(), rows);
				}
			}
		}

		checkCounts(opts, read);
		if (!failures.isEmpty()) {
			System.err.printf("BiClient: FAIL: %d mismatch%s in %s:%n", failures.size(),
					failures.size() == 1 ? "" : "es", schema);
			failures.forEach(f -> System.err.println("  " + f));
			return 1;
		}
		System.out.printf("BiClient: ok: %d relations, %d columns, all commented; rows: ",
				read.size(), columns.values().stream().mapToInt(List::size).sum());
		List<String> counts = new ArrayList<>();
		read.forEach((relation, rows) -> counts.add(relation + " " + rows.rows));
		System.out.printf("%s; %d scored, segment_summary counts %d customers, %d in trend dropped a band%n",
				String.join(", ", counts), read.get("scores").scored, read.get("segment_summary").customers,
				read.get("trend").droppedBand);
		return 0;
	}

	/**
	 * getTables/getColumns take LIKE patterns, in which the underscores of
	 * health_score_<model> are wildcards: escape them, as a careful BI tool
	 * does, so that only this schema and these relations match.
	 */
	private static String literalPattern(DatabaseMetaData meta, String name) throws SQLException {
		String escape = meta.getSearchStringEscape();
		return name.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
	}

	/**
	 * The eleven relations exist, are of the right kind and have a comment,
	 * and there is no other view or table but the model's history.
	 * Returns the names found.
	 */
	private Set<String> checkTables(DatabaseMetaData meta, String schema, Map<String, String> expected)
			throws SQLException {
		Map<String, String> found = new HashMap<>();
		try (ResultSet rs = meta.getTables(null, literalPattern(meta, schema), "%", TABLE_TYPES)) {
			while (rs.next()) {
				String name = rs.getString("TABLE_NAME");
				String type = rs.getString("TABLE_TYPE");
				String remarks = rs.getString("REMARKS");
				if (type.equals("TABLE") && isHistory(name)) {
					continue;
				}
				found.put(name, type);
				if (!expected.containsKey(name)) {
					fail(String.format("getTables: unexpected %s %s", type, name));
				} else if (!expected.get(name).equals(type)) {
					fail(String.format("getTables: %s is a %s, expected a %s", name, type, expected.get(name)));
				}
				if (remarks == null || remarks.isBlank()) {
					fail(String.format("getTables: %s has no REMARKS (COMMENT ON missing)", name));
				}
			}
		}
		for (Map.Entry<String, String> e : expected.entrySet()) {
			if (!found.containsKey(e.getKey())) {
				fail(String.format("getTables: %s %s.%s not found", e.getValue(), schema, e.getKey()));
			}
		}
		return found.keySet();
	}

	/** The columns, in order, with their type names, JDBC types and comments. */
	private void checkColumns(DatabaseMetaData meta, String schema, String relation, List<Column> expected)
			throws SQLException {
		List<String> names = new ArrayList<>();
		try (ResultSet rs = meta.getColumns(null, literalPattern(meta, schema), literalPattern(meta, relation), "%")) {
			while (rs.next()) {
				String name = rs.getString("COLUMN_NAME");
				int position = rs.getInt("ORDINAL_POSITION");
				names.add(name);
				if (position != names.size()) {
					fail(String.format("getColumns %s.%s: ORDINAL_POSITION %d, expected %d",
							relation, name, position, names.size()));
				}
				String remarks = rs.getString("REMARKS");
				if (remarks == null || remarks.isBlank()) {
					fail(String.format("getColumns %s.%s: no REMARKS (COMMENT ON COLUMN missing)", relation, name));
				}
				if (names.size() > expected.size() || !expected.get(names.size() - 1).name().equals(name)) {
					continue;  // the name list comparison below reports it
				}
				Column want = expected.get(names.size() - 1);
				String typeName = rs.getString("TYPE_NAME");
				JDBCType jdbcType = jdbcType(rs.getInt("DATA_TYPE"));
				if (!want.pgType().equals(typeName)) {
					fail(String.format("getColumns %s.%s: TYPE_NAME %s, expected %s",
							relation, name, typeName, want.pgType()));
				}
				if (jdbcType != want.jdbcType()) {
					fail(String.format("getColumns %s.%s: DATA_TYPE %s, expected %s",
							relation, name, jdbcType, want.jdbcType()));
				}
			}
		}
		List<String> wantNames = expected.stream().map(Column::name).toList();
		if (!names.equals(wantNames)) {
			fail(String.format("getColumns %s: columns %s, expected %s", relation, names, wantNames));
		}
	}

	/** A java.sql.Types number as a JDBCType, or null for a vendor type. */
	private static JDBCType jdbcType(int type) {
		try {
			return JDBCType.valueOf(type);
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	/**
	 * SELECT * as a BI tool fetches a relation: the result set's columns
	 * must agree with getColumns, and every value must come back as the
	 * Java class of its JDBC type.  Returns null when the query fails.
	 */
	private Rows selectAll(Connection conn, String schema, String relation, List<Column> expected) {
		Rows result = new Rows();
		String sql = String.format("SELECT * FROM \"%s\".\"%s\"", schema, relation);
		try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
			ResultSetMetaData rsmd = rs.getMetaData();
			List<String> names = new ArrayList<>();
			for (int i = 1; i <= rsmd.getColumnCount(); i++) {
				names.add(rsmd.getColumnName(i));
			}
			List<String> wantNames = expected.stream().map(Column::name).toList();
			if (!names.equals(wantNames)) {
				fail(String.format("%s: result set columns %s, expected %s", sql, names, wantNames));
				// still count the rows: the row counts are checked apart
				while (rs.next()) {
					result.rows++;
				}
				return result;
			}
			result.columnsOk = true;
			for (int i = 1; i <= expected.size(); i++) {
				JDBCType got = jdbcType(rsmd.getColumnType(i));
				if (got != expected.get(i - 1).jdbcType()) {
					fail(String.format("%s: column %s has JDBC type %s, expected %s",
							sql, names.get(i - 1), got, expected.get(i - 1).jdbcType()));
				}
			}
			// report each wrong class once per column, not once per row
			boolean[] classReported = new boolean[expected.size() + 1];
			while (rs.next()) {
				result.rows++;
				for (int i = 1; i <= expected.size(); i++) {
					Object value = rs.getObject(i);
					Class<?> want = JAVA_CLASSES.get(expected.get(i - 1).jdbcType());
					if (value != null && !want.isInstance(value) && !classReported[i]) {
						classReported[i] = true;
						fail(String.format("%s: column %s gives %s, expected %s", sql, names.get(i - 1),
								value.getClass().getName(), want.getName()));
					}
				}
				if (relation.equals("segment_summary")) {
					result.customers += rs.getLong("customers");
				} else {
					rs.getDouble("score");
					if (!rs.wasNull()) {
						result.scored++;
					}
					String band = rs.getString("band");
					if (BANDS.contains(relation) && !relation.equals(band)) {
						fail(String.format("%s: a row has band %s", sql, band));
					}
					if (TRENDS.contains(relation)) {
						boolean dropped = rs.getBoolean("dropped_band");
						if (rs.wasNull()) {
							result.droppedBandNull++;
						} else if (dropped) {
							result.droppedBand++;
						}
					}
				}
			}
			// once per relation, not once per row
			if (result.droppedBandNull > 0) {
				fail(String.format("%s: %d rows have dropped_band NULL", sql, result.droppedBandNull));
			}
			long notDropped = result.rows - result.droppedBand - result.droppedBandNull;
			if (relation.equals("dropped") && notDropped > 0) {
				fail(String.format("%s: %d rows have dropped_band false", sql, notDropped));
			}
		} catch (SQLException e) {
			fail(String.format("%s: %s", sql, e.getMessage()));
			return null;
		}
		return result;
	}

	/**
	 * Row counts against the caller's numbers, and against each other where
	 * the relations involved could be read with their expected columns.
	 */
	private void checkCounts(Map<String, String> opts, Map<String, Rows> read) {
		for (Map.Entry<String, Rows> e : read.entrySet()) {
			long want = number(opts, "rows." + e.getKey());
			if (e.getValue().rows != want) {
				fail(String.format("SELECT * FROM %s: %d rows, expected %d", e.getKey(), e.getValue().rows, want));
			}
		}
		// dropped is trend's rows with dropped_band, whatever the data
		Rows trend = read.get("trend");
		Rows dropped = read.get("dropped");
		if (trend != null && trend.columnsOk && dropped != null && dropped.rows != trend.droppedBand) {
			fail(String.format("dropped: %d rows, trend has %d with dropped_band", dropped.rows, trend.droppedBand));
		}
		Rows scores = read.get("scores");
		if (scores == null || !scores.columnsOk) {
			return;
		}
		long scored = number(opts, "scored");
		if (scores.scored != scored) {
			fail(String.format("scores: %d rows with a score, expected %d", scores.scored, scored));
		}
		if (BANDS.stream().allMatch(read::containsKey)) {
			long banded = BANDS.stream().mapToLong(b -> read.get(b).rows).sum();
			if (banded != scores.scored) {
				fail(String.format("red + yellow + green: %d rows, scores has %d with a score",
						banded, scores.scored));
			}
		}
		Rows summary = read.get("segment_summary");
		if (summary != null && summary.columnsOk && summary.customers != scores.rows) {
			fail(String.format("segment_summary: customers sum to %d, scores has %d rows",
					summary.customers, scores.rows));
		}
		Rows mv = read.get("scores_mv");
		if (mv != null && mv.rows != scores.rows) {
			fail(String.format("scores_mv: %d rows, scores has %d", mv.rows, scores.rows));
		}
		if (mv != null && mv.columnsOk && mv.scored != scores.scored) {
			fail(String.format("scores_mv: %d rows with a score, scores has %d", mv.scored, scores.scored));
		}
		Rows stored = read.get("stored_scores");
		if (stored != null && stored.columnsOk && (stored.rows != scores.rows || stored.scored != scores.scored)) {
			fail(String.format("stored_scores: %d rows, %d with a score; scores has %d, %d with a score",
					stored.rows, stored.scored, scores.rows, scores.scored));
		}
	}
}
