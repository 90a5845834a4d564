<?php

/**
 * @file
 * councilkit: Drupal settings read from the environment.
 *
 * Included at the end of web/sites/default/settings.php (see the Dockerfile), so these values
 * win over the project template's defaults (localgovdrupal/localgov_project
 * assets/composer/settings.php). No secret is written in this file or in the image: the
 * database password and hash salt come from the cloud's secret store as env at run time.
 */

// @codingStandardsIgnoreFile

/**
 * Reads one env variable; an unset required one stops the request with a clear message
 * instead of Drupal silently starting its installer against an empty configuration.
 */
$councilkit_env = static function (string $name, ?string $default = NULL): string {
  $value = getenv($name);
  if ($value === FALSE || $value === '') {
    if ($default === NULL) {
      throw new \RuntimeException("councilkit: environment variable $name is not set");
    }
    return $default;
  }
  return $value;
};

/**
 * Splits a comma/space separated env value into a list.
 */
$councilkit_list = static function (string $value): array {
  return array_values(array_filter(array_map('trim', preg_split('/[\s,]+/', $value))));
};

// Database: MariaDB (MySQL driver), managed by the cloud (RDS / Azure).
$databases['default']['default'] = [
  'driver' => 'mysql',
  'namespace' => 'Drupal\\mysql\\Driver\\Database\\mysql',
  'autoload' => 'core/modules/mysql/src/Driver/Database/mysql/',
  'host' => $councilkit_env('DRUPAL_DB_HOST'),
  'port' => $councilkit_env('DRUPAL_DB_PORT', '3306'),
  'database' => $councilkit_env('DRUPAL_DB_NAME'),
  'username' => $councilkit_env('DRUPAL_DB_USER'),
  'password' => $councilkit_env('DRUPAL_DB_PASSWORD'),
  'prefix' => '',
  'collation' => 'utf8mb4_general_ci',
  'isolation_level' => 'READ COMMITTED',
];
// The database refuses unencrypted connections (councilkit's stacks set require_secure_transport),
// so TLS is always on and the server is verified: against Debian's CAs (Azure's DigiCert roots)
// plus the Amazon RDS CA bundle baked into the image (see the Dockerfile).
$databases['default']['default']['pdo'] = [
  \PDO::MYSQL_ATTR_SSL_CA => getenv('DRUPAL_DB_CA_FILE') ?: '/etc/ssl/certs/councilkit-db-ca.pem',
  \PDO::MYSQL_ATTR_SSL_VERIFY_SERVER_CERT => TRUE,
];

// One salt for every replica (APPS.md gotcha 5): a per-server salt breaks form tokens and
// one-time login links as soon as a request lands on another replica.
$settings['hash_salt'] = $councilkit_env('DRUPAL_HASH_SALT');

// Trusted hosts. Drupal answers 400 "The provided host name is not valid" to any Host not
// matched here. Two kinds are trusted:
//  1. the site's own names (DRUPAL_TRUSTED_HOSTS, the blueprint's ${domain}, comma-separated);
//  2. a bare private IPv4 address (10/8, 172.16/12, 192.168/16). A load balancer's health check
//     (AWS ALB, Azure probes) sends the target's own IP as Host and cannot send another header,
//     so without this every check gets 400 and every task is replaced (APPS.md gotcha 1).
//     Trusting a private IP as host is harmless: links built from it (e.g. a password-reset mail
//     from a forged Host) point inside the council's private network, never at an attacker.
$councilkit_hosts = [];
foreach ($councilkit_list($councilkit_env('DRUPAL_TRUSTED_HOSTS')) as $host) {
  $councilkit_hosts[] = '^' . preg_quote(strtolower($host), '/') . '$';
}
$councilkit_hosts[] = '^10\.\d{1,3}\.\d{1,3}\.\d{1,3}$';
$councilkit_hosts[] = '^172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}$';
$councilkit_hosts[] = '^192\.168\.\d{1,3}\.\d{1,3}$';
$councilkit_hosts[] = '^localhost$';
$settings['trusted_host_patterns'] = $councilkit_hosts;

// Reverse proxy: TLS ends at the load balancer. Trust X-Forwarded-* only from the private
// network the load balancer lives in (DRUPAL_REVERSE_PROXY_ADDRESSES, the blueprint's
// ${network_cidr}; Symfony accepts CIDR ranges here). Only the headers the load balancers
// actually set are trusted; X-Forwarded-Host and Forwarded are not, so a client cannot pick the
// host name through the proxy.
$settings['reverse_proxy'] = TRUE;
$settings['reverse_proxy_addresses'] = $councilkit_list($councilkit_env('DRUPAL_REVERSE_PROXY_ADDRESSES'));
$settings['reverse_proxy_trusted_headers'] =
  \Symfony\Component\HttpFoundation\Request::HEADER_X_FORWARDED_FOR |
  \Symfony\Component\HttpFoundation\Request::HEADER_X_FORWARDED_PROTO |
  \Symfony\Component\HttpFoundation\Request::HEADER_X_FORWARDED_PORT;

// Files. Public files are in web/sites/default/files (the default); both directories are on the
// shared file system so every replica sees the same uploads.
$settings['file_public_path'] = 'sites/default/files';
$settings['file_private_path'] = $councilkit_env('DRUPAL_PRIVATE_PATH', '/var/www/private');
$settings['file_temp_path'] = $councilkit_env('DRUPAL_TEMP_PATH', '/tmp');

// Configuration sync: exported configuration is part of the image (code), not of the share.
$settings['config_sync_directory'] = $councilkit_env('DRUPAL_CONFIG_SYNC_DIRECTORY', '../config/sync');

// Code only changes with a new image; never let the web UI install or update modules.
$settings['allow_authorize_operations'] = FALSE;
$settings['update_free_access'] = FALSE;
$settings['skip_permissions_hardening'] = TRUE;

// A new image invalidates the container cache (cf. settings.php "Deployment identifier").
$settings['deployment_identifier'] = $councilkit_env('DRUPAL_DEPLOYMENT_IDENTIFIER', \Drupal::VERSION);

unset($councilkit_env, $councilkit_list, $councilkit_hosts, $host);
