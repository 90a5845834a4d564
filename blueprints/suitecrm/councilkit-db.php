<?php

/**
 * councilkit: encrypted (TLS) connections from SuiteCRM to MySQL/MariaDB.
 *
 * Loaded into every PHP process of the image (web and CLI) through php.ini's auto_prepend_file
 * (see the Dockerfile). It only defines functions; it has no side effect of its own.
 *
 * Why: councilkit's databases refuse unencrypted connections (Amazon RDS parameter
 * require_secure_transport=1, Azure flexible server require_secure_transport=ON), but SuiteCRM
 * opens its connections with plain mysqli_connect() (public/legacy/include/database/
 * MysqliManager.php) and plain `new PDO("mysql:...")` (the CLI installer's database check in
 * core/backend/Install/LegacyHandler/InstallHandler.php). Upstream has no TLS option for either:
 * SuiteCRM/SuiteCRM issue #9962 "No TLS/SSL support for database connection" is open and the PR
 * adding one (#9245) was closed unmerged. The Dockerfile therefore rewrites those call sites to
 * the functions below (councilkit-setup.php `patch`, which fails the build if upstream changes
 * them). Doctrine (the Symfony half of SuiteCRM 8) gets the same options through DATABASE_URL,
 * written by councilkit-setup.php `env` from councilkit_pdo_mysql_options().
 *
 * Environment:
 *   SUITECRM_DB_TLS      "off" disables TLS (a local database without TLS); anything else,
 *                        or unset, requires it.
 *   SUITECRM_DB_CA_FILE  optional PEM bundle of the database server's CA. With it the server
 *                        certificate is verified; without it the connection is encrypted but the
 *                        certificate is not verified, because the cloud's database CA (e.g. the
 *                        Amazon RDS CA) is not in Debian's ca-certificates. The database lives in
 *                        private subnets reachable only from this app's tasks.
 */

// @codingStandardsIgnoreFile

if (!function_exists('councilkit_db_tls')) {

    /**
     * The TLS settings to use, or null when TLS is switched off.
     *
     * @return array{ca: ?string}|null
     */
    function councilkit_db_tls(): ?array
    {
        if (getenv('SUITECRM_DB_TLS') === 'off') {
            return null;
        }
        $ca = getenv('SUITECRM_DB_CA_FILE');
        return ['ca' => (is_string($ca) && $ca !== '' && is_readable($ca)) ? $ca : null];
    }

    /**
     * Drop-in replacement for mysqli_connect(): same arguments, returns a connected mysqli or
     * false (never throws, like the `@mysqli_connect(...)` it replaces).
     *
     * @return mysqli|false
     */
    function councilkit_mysqli_connect($host = null, $user = null, $password = null, $database = '', $port = null)
    {
        $link = mysqli_init();
        if ($link === false) {
            return false;
        }
        $flags = 0;
        $tls = councilkit_db_tls();
        if ($tls !== null) {
            mysqli_ssl_set($link, null, null, $tls['ca'], null, null);
            $flags = MYSQLI_CLIENT_SSL;
            if ($tls['ca'] === null) {
                $flags |= MYSQLI_CLIENT_SSL_DONT_VERIFY_SERVER_CERT;
            } else {
                mysqli_options($link, MYSQLI_OPT_SSL_VERIFY_SERVER_CERT, true);
            }
        }
        $port = ($port === null || $port === '') ? null : (int) $port;
        try {
            $connected = @mysqli_real_connect(
                $link,
                $host,
                $user,
                $password,
                $database === null ? '' : (string) $database,
                $port,
                null,
                $flags
            );
        } catch (\mysqli_sql_exception $exception) {
            // PHP 8.1+ reports connection errors as exceptions by default; the callers expect false.
            error_log('councilkit: database connection failed: ' . $exception->getMessage());
            $connected = false;
        }
        return $connected ? $link : false;
    }

    /**
     * PDO options that make a pdo_mysql connection use TLS (empty when TLS is off).
     *
     * pdo_mysql only encrypts when an SSL option is given, so the system CA bundle is passed even
     * when the server certificate is not verified.
     */
    function councilkit_pdo_mysql_options(): array
    {
        $tls = councilkit_db_tls();
        if ($tls === null) {
            return [];
        }
        return [
            \PDO::MYSQL_ATTR_SSL_CA => $tls['ca'] ?? '/etc/ssl/certs/ca-certificates.crt',
            \PDO::MYSQL_ATTR_SSL_VERIFY_SERVER_CERT => $tls['ca'] !== null,
        ];
    }

    /**
     * Drop-in replacement for `new PDO(...)`: adds the TLS options to MySQL connections only.
     */
    function councilkit_pdo(string $dsn, ?string $username = null, ?string $password = null, ?array $options = null): \PDO
    {
        if (strncmp($dsn, 'mysql:', 6) === 0) {
            $options = ($options ?? []) + councilkit_pdo_mysql_options();
        }
        return new \PDO($dsn, $username, $password, $options);
    }
}
