# shellcheck shell=bash
# testbed/pki.sh - the testbed's own CA and one server certificate (EC P-256,
# 30 days) that covers every server name and address; clients trust
# $STATE/ca.crt. Keys stay in $STATE/pki, readable by root only.

make_pki() {
	local p=$STATE/pki
	mkdir -p "$p"
	render pki/ca.cnf "$p/ca.cnf"
	render pki/server.cnf "$p/server.cnf"
	render pki/server-ext.cnf "$p/server-ext.cnf"
	{
		openssl req -x509 -new -config "$p/ca.cnf" -newkey ec \
			-pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$p/ca.key" -out "$p/ca.crt" -days 30
		openssl req -new -config "$p/server.cnf" -newkey ec \
			-pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$p/server.key" -out "$p/server.csr"
		openssl x509 -req -in "$p/server.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" \
			-set_serial "0x$(openssl rand -hex 8)" -days 30 \
			-extfile "$p/server-ext.cnf" -out "$p/server.crt"
	} >>"$STATE/pki.log" 2>&1
	chmod 600 "$p/ca.key" "$p/server.key"
	cp "$p/ca.crt" "$STATE/ca.crt"
	chmod 644 "$STATE/ca.crt" "$p/server.crt"
}
