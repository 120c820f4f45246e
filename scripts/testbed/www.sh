# shellcheck shell=bash
# testbed/www.sh - the files nginx serves ($STATE/www): small text, a page,
# 1 MiB of random bytes, gzip-compressed JSON and a real JPEG, so that
# payload classification sees each class.

write_www() {
	local w=$STATE/www i
	mkdir -p "$w"
	cp "$TB_TEMPLATES/www/status.json" "$TB_TEMPLATES/www/index.html" "$w/"
	{
		echo '<!doctype html><html><head><meta charset="utf-8"><title>Device portal</title></head><body>'
		echo '<h1>Device portal</h1>'
		for ((i = 1; i <= 60; i++)); do
			echo "<p>Line $i of a small page served by the iotrim testbed.</p>"
		done
		echo '</body></html>'
	} >"$w/page.html"
	head -c 1048576 /dev/urandom >"$w/big.bin"
	{
		echo '['
		for ((i = 1; i < 200; i++)); do
			echo "{\"t\":$i,\"temp\":21.$((i % 10)),\"hum\":4$((i % 10))},"
		done
		echo '{"t":200,"temp":21.0,"hum":40}]'
	} | gzip -9 -n -c >"$w/data.json.gz"
	# A real (tiny) baseline JPEG: 8x8 pixels, mid grey. SOI, JFIF APP0,
	# DQT (all ones), SOF0 8x8 1 component, one-code DC and AC Huffman
	# tables, SOS, scan data (DC diff 0, EOB), EOI.
	printf '%b' \
		'\xff\xd8' \
		'\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' \
		'\xff\xdb\x00\x43\x00' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\xff\xc0\x00\x0b\x08\x00\x08\x00\x08\x01\x01\x11\x00' \
		'\xff\xc4\x00\x14\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\xff\xc4\x00\x14\x10\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00' \
		'\x3f' \
		'\xff\xd9' >"$w/image.jpg"
	chmod -R a+rX "$w"
}
