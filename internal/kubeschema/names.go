package kubeschema

import (
	"strings"
	"unicode"
)

// AttributeName turns a Kubernetes JSON field name into a Terraform attribute name: lowerCamel
// becomes snake_case and an acronym stays one word, so hostPID is host_pid and podIPs is pod_ips.
func AttributeName(jsonName string) string {
	runes := []rune(jsonName)
	var b strings.Builder
	for i, r := range runes {
		if !unicode.IsUpper(r) {
			b.WriteRune(r)
			continue
		}
		if i > 0 && startsWord(runes, i) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// startsWord reports whether the capital at i begins a word: after a lowercase letter or digit
// (fs|Group), or as the last capital of an acronym that a lowercase word follows (HTTP|Get).
func startsWord(runes []rune, i int) bool {
	prev := runes[i-1]
	if unicode.IsLower(prev) || unicode.IsDigit(prev) {
		return true
	}
	next := i + 1
	return unicode.IsUpper(prev) && next < len(runes) && unicode.IsLower(runes[next]) && !isAcronymPlural(runes, next)
}

// isAcronymPlural reports whether the s at i pluralises the acronym before it (podIPs, targetWWNs),
// so that it stays in the acronym's word instead of starting a word of its own.
func isAcronymPlural(runes []rune, i int) bool {
	if runes[i] != 's' || i < 2 || !unicode.IsUpper(runes[i-1]) || !unicode.IsUpper(runes[i-2]) {
		return false
	}
	return i+1 == len(runes) || unicode.IsUpper(runes[i+1])
}
