/*-------------------------------------------------------------------------
 *
 * distribution_io.c
 *	  Text input and output of the distribution type.
 *
 * One group:			{1.5,2*3,7}			value, or value*count
 * One per segment:		{"basic":{1,2*3},"pro":{5},NULL:{7}}
 *
 * Values are written in the shortest form that reads back to the same
 * float8, whatever extra_float_digits says, so that a dump restores the
 * very same distribution.  Input accepts exactly this grammar, with
 * whitespace between tokens, and checks every value, count and key.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "common/shortest_dec.h"
#include "distribution.h"
#include "lib/stringinfo.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(hs_distribution_in);
PG_FUNCTION_INFO_V1(hs_distribution_out);

/* how much of a malformed input an error message quotes */
#define QUOTE_MAX	60

typedef struct DistParser
{
	const char *input;
	char	   *p;
	DistBuilder *builder;
} DistParser;

static void
parse_error(DistParser *parser, const char *detail_fmt,...) pg_attribute_printf(2, 3);

static void
parse_error(DistParser *parser, const char *detail_fmt,...)
{
	char		detail[256];
	va_list		args;
	int			len = strlen(parser->input);

	va_start(args, detail_fmt);
	vsnprintf(detail, sizeof(detail), detail_fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("malformed distribution literal: \"%.*s%s\"",
					Min(len, QUOTE_MAX), parser->input, len > QUOTE_MAX ? "..." : ""),
			 errdetail("%s at character %d.", detail,
					   (int) (parser->p - parser->input) + 1)));
}

static void
skip_space(DistParser *parser)
{
	while (*parser->p == ' ' || *parser->p == '\t' || *parser->p == '\n' || *parser->p == '\r')
		parser->p++;
}

static void
expect(DistParser *parser, char c, const char *what)
{
	skip_space(parser);
	if (*parser->p != c)
		parse_error(parser, "Expected \"%c\" %s", c, what);
	parser->p++;
}

static int64
parse_count(DistParser *parser)
{
	int64		count = 0;

	skip_space(parser);
	if (*parser->p < '0' || *parser->p > '9')
		parse_error(parser, "Expected a count after \"*\"");
	while (*parser->p >= '0' && *parser->p <= '9')
	{
		if (pg_mul_s64_overflow(count, 10, &count) ||
			pg_add_s64_overflow(count, *parser->p - '0', &count))
			parse_error(parser, "Count out of range");
		parser->p++;
	}
	if (count < 1)
		parse_error(parser, "Count must be at least 1");
	return count;
}

/* {value[*count], ...} of one group, values strictly increasing */
static void
parse_group(DistParser *parser, const char *key, int32 key_len)
{
	bool		first = true;
	float8		previous = 0;

	expect(parser, '{', "to open a group of values");
	for (;;)
	{
		char	   *start;
		float8		value;
		int64		count = 1;

		skip_space(parser);
		if (*parser->p == '}' && first)
			parse_error(parser, "A group must hold at least one value");
		if (*parser->p == '\0' || *parser->p == ',' || *parser->p == '}' ||
			*parser->p == '*' || *parser->p == '{')
			parse_error(parser, "Expected a value");
		start = parser->p;
		value = float8in_internal(start, &parser->p, "distribution", parser->input);
		if (isnan(value))
		{
			parser->p = start;
			parse_error(parser, "NaN is not a valid value");
		}
		if (value == 0)
			value = 0;			/* -0 is 0 */
		if (!first && !(value > previous))
		{
			parser->p = start;
			parse_error(parser, "Values must be strictly increasing");
		}
		skip_space(parser);
		if (*parser->p == '*')
		{
			parser->p++;
			count = parse_count(parser);
		}
		dist_builder_add_run(parser->builder, key, key_len, value, count);
		previous = value;
		first = false;

		skip_space(parser);
		if (*parser->p == '}')
			break;
		if (*parser->p != ',')
			parse_error(parser, "Expected \",\" or \"}\" after a value");
		parser->p++;
	}
	parser->p++;
}

static bool
at_null_key(DistParser *parser)
{
	char	   *p = parser->p;

	if (pg_strncasecmp(p, "NULL", 4) != 0)
		return false;
	p += 4;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return *p == ':';
}

/* "key" with \" and \\ escapes, into buf */
static void
parse_key(DistParser *parser, StringInfo buf)
{
	resetStringInfo(buf);
	parser->p++;				/* the opening quote */
	for (;;)
	{
		char		c = *parser->p;

		if (c == '\0')
			parse_error(parser, "Unterminated segment key");
		if (c == '"')
			break;
		if (c == '\\')
		{
			parser->p++;
			c = *parser->p;
			if (c != '"' && c != '\\')
				parse_error(parser, "Only \\\" and \\\\ may be escaped in a segment key");
		}
		appendStringInfoChar(buf, c);
		parser->p++;
	}
	parser->p++;
}

static void
parse_segmented(DistParser *parser)
{
	StringInfoData key;

	initStringInfo(&key);
	for (;;)
	{
		const char *key_data = NULL;
		int32		key_len = DIST_NULL_KEY;
		char	   *key_start;

		skip_space(parser);
		key_start = parser->p;
		if (*parser->p == '"')
		{
			parse_key(parser, &key);
			key_data = key.data;
			key_len = key.len;
		}
		else if (at_null_key(parser))
			parser->p += 4;
		else
			parse_error(parser, "Expected a segment key (a quoted string or NULL)");
		if (dist_builder_has_group(parser->builder, key_data, key_len))
		{
			parser->p = key_start;
			parse_error(parser, "Segment appears twice");
		}
		expect(parser, ':', "after a segment key");
		parse_group(parser, key_data, key_len);

		skip_space(parser);
		if (*parser->p == '}')
			break;
		if (*parser->p != ',')
			parse_error(parser, "Expected \",\" or \"}\" after a segment");
		parser->p++;
	}
	parser->p++;
	pfree(key.data);
}

Datum
hs_distribution_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	DistParser	parser;
	bool		segmented;
	char	   *after_brace;

	parser.input = input;
	parser.p = input;
	expect(&parser, '{', "at the start");
	after_brace = parser.p;
	skip_space(&parser);
	segmented = *parser.p == '"' || at_null_key(&parser);
	parser.builder = dist_builder_create(CurrentMemoryContext, segmented);
	if (segmented)
		parse_segmented(&parser);
	else
	{
		parser.p = after_brace - 1;
		parse_group(&parser, NULL, DIST_NULL_KEY);
	}
	skip_space(&parser);
	if (*parser.p != '\0')
		parse_error(&parser, "Junk after the closing \"}\"");

	PG_RETURN_POINTER(dist_builder_finish(parser.builder, true));
}

static void
append_value(StringInfo buf, float8 value)
{
	char		digits[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (isinf(value))
		appendStringInfoString(buf, value > 0 ? "Infinity" : "-Infinity");
	else
	{
		double_to_shortest_decimal_buf(value, digits);
		appendStringInfoString(buf, digits);
	}
}

static void
append_group(StringInfo buf, const Distribution *dist, const DistGroup *group)
{
	const float8 *values = dist_values(dist, group);

	appendStringInfoChar(buf, '{');
	for (int32 i = 0; i < group->ndistinct; i++)
	{
		int64		count = dist_count_at(dist, group, i);

		if (i > 0)
			appendStringInfoChar(buf, ',');
		append_value(buf, values[i]);
		if (count > 1)
			appendStringInfo(buf, "*" INT64_FORMAT, count);
	}
	appendStringInfoChar(buf, '}');
}

static void
append_key(StringInfo buf, const Distribution *dist, const DistGroup *group)
{
	const char *key = dist_key(dist, group);

	if (group->key_len == DIST_NULL_KEY)
	{
		appendStringInfoString(buf, "NULL");
		return;
	}
	appendStringInfoChar(buf, '"');
	for (int32 i = 0; i < group->key_len; i++)
	{
		if (key[i] == '"' || key[i] == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, key[i]);
	}
	appendStringInfoChar(buf, '"');
}

Datum
hs_distribution_out(PG_FUNCTION_ARGS)
{
	Distribution *dist = PG_GETARG_DISTRIBUTION_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	if (!dist_is_segmented(dist))
		append_group(&buf, dist, &dist->groups[0]);
	else
	{
		appendStringInfoChar(&buf, '{');
		for (int32 g = 0; g < dist->ngroups; g++)
		{
			if (g > 0)
				appendStringInfoChar(&buf, ',');
			append_key(&buf, dist, &dist->groups[g]);
			appendStringInfoChar(&buf, ':');
			append_group(&buf, dist, &dist->groups[g]);
		}
		appendStringInfoChar(&buf, '}');
	}
	PG_RETURN_CSTRING(buf.data);
}
