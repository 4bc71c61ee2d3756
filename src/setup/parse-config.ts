import { parseToml, type TomlResult } from '../toml-parse.js'

// Parses config.toml text for setup. @iarna/toml 3.0.0 rejects a comment
// that ends in CRLF ("Control characters ... are not allowed in
// comments"), though TOML 1.0 ends a comment at either line end, so the
// parser gets a copy with CRLF turned into LF. Line numbers stay the same.
// TOML lets parsers normalize line ends inside multi-line strings, so the
// parsed values do not change either. A lone CR is still rejected.
// NOTE: drop the copy once @iarna/toml accepts CRLF after a comment.
export function parseConfigToml(text: string): TomlResult {
  return parseToml(text.replace(/\r\n/g, '\n'))
}
