<?php

/**
 * councilkit: build-time patches and start-up configuration of the SuiteCRM image
 * (suitecrm blueprint 1.0.1; Dockerfile-1.0.1 installs it as councilkit-setup.php).
 *
 * Changed from councilkit-setup.php (blueprint 1.0.0), and why:
 *   - The 8.10 media stores are shared where SuiteCRM writes them: media/ and public/media/
 *     (SuiteCRM-Core config/packages/flysystem.php at v8.10.1; renamed from uploads/ and
 *     public/media-upload/ by commit abdae7158 before 8.10.0). 1.0.0 shared the old names.
 *   - TRUSTED_PROXIES is always written (empty trusts nobody) and, with TRUSTED_HOSTS, is read by
 *     config/packages/councilkit_trusted_proxies.php through %env()%: SuiteCRM 8.10 no longer
 *     reads either variable itself (see councilkit-trusted-proxies.php).
 *   - Trusted hosts also name the app's own FQDN on Azure Container Apps, where production's
 *     Front Door sends it as Host (councilkit_platform_host): 1.0.0's unread pattern lacked it.
 *   - NOT done: the legacy config.php `trusted_hosts` (checked by include/entryPoint.php through
 *     check_trusted_hosts(), include/utils.php, v8.10.1) stays unset, as in 1.0.0. config.php is
 *     shared and rewritten by every container at start, but the Azure name above differs per
 *     container app (web, messenger), so one shared value would flap between them and refuse
 *     production's Front Door Host on the web app half the time. .env.local is per container.
 *   - The seed marker names the path it seeded, so a share that moved is seeded again (copying
 *     only missing files, never overwriting).
 *
 *   php councilkit-setup.php patch ROOT   once, in the Dockerfile (as root)
 *   php councilkit-setup.php start ROOT   at every container start, before the command runs
 *                                         (web, scheduler, messenger worker, install, upgrade)
 *
 * `start` makes the environment the source of truth for what differs between deployments, so
 * every replica agrees without sharing more files than it must (APPS.md gotchas 2 and 5):
 *   1. writes ROOT/.env.local (Symfony: DATABASE_URL with TLS, APP_SECRET, TRUSTED_PROXIES and
 *      TRUSTED_HOSTS for config/packages/councilkit_trusted_proxies.php) from env. It is NOT on
 *      shared storage: each container writes its own (they differ only in the platform's name
 *      for the container app, on Azure).
 *   2. seeds the shared directories (legacy custom/ and upload/, the 8.10 media stores) with
 *      the files the release ships in them, once per SuiteCRM version, never overwriting a file.
 *   3. keeps the environment-specific entries of the shared legacy config.php (database host,
 *      port, name, user and password, site URL, host name) equal to the
 *      environment, so a rotated password or a restored database heals on the next start.
 *      Everything else in config.php (what administrators change) is left as it is.
 */

// @codingStandardsIgnoreFile

// Fixed in the image (Dockerfile); the env overrides exist only to exercise this script outside it.
define('COUNCILKIT_CONFIG_DIR', getenv('COUNCILKIT_CONFIG_DIR') ?: '/var/lib/suitecrm/config');
define('COUNCILKIT_SEED_DIR', getenv('COUNCILKIT_SEED_DIR') ?: '/opt/suitecrm-seed');
// name (as in the blueprint's `files`) => path under ROOT
const COUNCILKIT_SHARED = [
    'custom' => 'public/legacy/custom',
    'upload' => 'public/legacy/upload',
    // The 8.10 media stores (config/packages/flysystem.php, v8.10.1): private (documents,
    // archived, images) and public (images, documents). The names are 1.0.0's, so each keeps the
    // same directory on the file share while its mount point moves (see the blueprint).
    'documents' => 'media',
    'media' => 'public/media',
];

function councilkit_fail(string $message): void
{
    fwrite(STDERR, "councilkit: $message\n");
    exit(1);
}

function councilkit_env(string $name, ?string $default = null): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        if ($default === null) {
            councilkit_fail("$name is not set; refusing to start with a half-configured SuiteCRM "
                . "(set COUNCILKIT_SKIP_SETUP=1 to run the image without councilkit's set-up)");
        }
        return $default;
    }
    return $value;
}

// --- patch (build time) -------------------------------------------------------------------------

/**
 * Replaces $pattern in $file; fails the build unless the number of replacements is in range, so a
 * changed upstream file is noticed by whoever builds the image, never shipped half-patched.
 */
function councilkit_replace(string $file, string $pattern, string $replacement, int $min, ?int $max): int
{
    if (!is_file($file)) {
        councilkit_fail("patch: $file not found; upstream layout changed, review the patch");
    }
    $text = file_get_contents($file);
    $patched = preg_replace($pattern, $replacement, $text, -1, $count);
    if ($patched === null || $count < $min || ($max !== null && $count > $max)) {
        councilkit_fail("patch: expected " . ($max === $min ? $min : "$min+") . " match(es) of $pattern in $file, found $count");
    }
    if ($count > 0) {
        file_put_contents($file, $patched);
        exec('php -l ' . escapeshellarg($file) . ' 2>&1', $output, $status);
        if ($status !== 0) {
            councilkit_fail("patch: $file no longer parses: " . implode(' ', $output));
        }
        echo "councilkit: patched $count call(s) in $file\n";
    }
    return $count;
}

/** @return iterable<string> PHP files under $dir, skipping vendor/ and node_modules/ */
function councilkit_php_files(string $dir): iterable
{
    $it = new RecursiveIteratorIterator(
        new RecursiveCallbackFilterIterator(
            new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS),
            static fn (SplFileInfo $f) => !($f->isDir() && in_array($f->getFilename(), ['vendor', 'node_modules'], true))
        )
    );
    foreach ($it as $file) {
        if ($file->isFile() && $file->getExtension() === 'php') {
            yield $file->getPathname();
        }
    }
}

function councilkit_patch(string $root): void
{
    // 1. The legacy database layer: MysqliManager::connect() opens every legacy connection
    //    (web requests, schedulers, the legacy installer) with `@mysqli_connect(...)`.
    councilkit_replace(
        "$root/public/legacy/include/database/MysqliManager.php",
        '/@?\bmysqli_connect\s*\(/',
        '\\councilkit_mysqli_connect(',
        1,
        1
    );
    // Any direct mysqli_connect() in the legacy installer (none expected, patched if present).
    foreach (councilkit_php_files("$root/public/legacy/install") as $file) {
        if (preg_match('/@?\bmysqli_connect\s*\(/', file_get_contents($file))) {
            councilkit_replace($file, '/@?\bmysqli_connect\s*\(/', '\\councilkit_mysqli_connect(', 1, null);
        }
    }
    // 2. Every `new PDO(` in SuiteCRM's own PHP code (the CLI installer's database check is
    //    one). councilkit_pdo() adds the TLS options to mysql: DSNs and leaves others alone.
    $pdo = 0;
    foreach (councilkit_php_files("$root/core/backend") as $file) {
        if (preg_match('/\bnew\s+\\\\?PDO\s*\(/', file_get_contents($file))) {
            $pdo += councilkit_replace($file, '/\bnew\s+\\\\?PDO\s*\(/', '\\councilkit_pdo(', 1, null);
        }
    }
    if ($pdo < 1) {
        councilkit_fail('patch: no `new PDO(` found under core/backend; the installer database check moved, review the patch');
    }
}

// --- start (every container start) --------------------------------------------------------------

/** A value for a single-quoted (literal) dotenv entry. */
function councilkit_dotenv(string $name, string $value): string
{
    if (strpbrk($value, "'\n\r") !== false) {
        councilkit_fail("$name contains a quote or newline and cannot be written to .env.local");
    }
    return "$name='$value'\n";
}

/**
 * Hosts SuiteCRM answers for, as one regular expression: the site's own name; bare private IPv4
 * addresses, because the load balancer's health check sends the task's IP as Host and cannot send
 * another header (APPS.md gotcha 1), and a private IP as Host only ever builds links into the
 * private network; and the platform's own name for the app where the platform states it
 * (councilkit_platform_host). (No {n,m} quantifiers: Symfony wraps each pattern in {...}
 * delimiters; no slash, in case it is ever given to the legacy check, which wraps it in /.../.)
 */
function councilkit_trusted_hosts(string $domain): string
{
    $platform = councilkit_platform_host();
    return '^(?:' . preg_quote($domain, null)
        . ($platform === null ? '' : '|' . preg_quote($platform, null))
        . '|localhost|127\.0\.0\.1'
        . '|10\.\d+\.\d+\.\d+|172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|192\.168\.\d+\.\d+)$';
}

/**
 * On Azure Container Apps, the app's own FQDN <CONTAINER_APP_NAME>.<CONTAINER_APP_ENV_DNS_SUFFIX>
 * (built-in variables the platform sets: learn.microsoft.com/azure/container-apps/
 * environment-variables, "Built-in environment variables"). councilkit's production Front Door
 * sends it as the Host header (stacks/azure/edge.py origin_host_header, Microsoft's Front Door to
 * Container Apps pattern), so it must be trusted there. Elsewhere the variables are unset: null.
 */
function councilkit_platform_host(): ?string
{
    $name = strtolower((string) getenv('CONTAINER_APP_NAME'));
    $suffix = strtolower((string) getenv('CONTAINER_APP_ENV_DNS_SUFFIX'));
    if ($name === '' || $suffix === '') {
        return null;
    }
    $host = "$name.$suffix";
    if (!preg_match('/^[a-z0-9.-]+$/', $host)) {
        councilkit_fail('CONTAINER_APP_NAME or CONTAINER_APP_ENV_DNS_SUFFIX is not a plain host name');
    }
    return $host;
}

function councilkit_site_domain(): string
{
    $domain = strtolower(councilkit_env('SUITECRM_SITE_DOMAIN'));
    if (!preg_match('/^[a-z0-9.-]+$/', $domain)) {
        councilkit_fail('SUITECRM_SITE_DOMAIN is not a plain host name');
    }
    return $domain;
}

function councilkit_write_env(string $root): void
{
    require_once __DIR__ . '/councilkit-db.php';

    $host = councilkit_env('SUITECRM_DB_HOST');
    $port = councilkit_env('SUITECRM_DB_PORT', '3306');
    $name = councilkit_env('SUITECRM_DB_NAME');
    $user = councilkit_env('SUITECRM_DB_USER');
    $password = councilkit_env('SUITECRM_DB_PASSWORD');
    $secret = councilkit_env('SUITECRM_APP_SECRET');
    $domain = councilkit_site_domain();
    $proxies = str_replace(' ', '', councilkit_env('SUITECRM_TRUSTED_PROXIES', ''));

    if (!preg_match('/^[A-Za-z0-9.-]+$/', $host) || !ctype_digit($port)) {
        councilkit_fail('SUITECRM_DB_HOST or SUITECRM_DB_PORT is not a plain host name/port');
    }
    // TLS ends at the load balancer; only its private network may set X-Forwarded-*.
    if ($proxies !== '' && !preg_match('#^[0-9A-Fa-f:./,]+$#', $proxies)) {
        councilkit_fail('SUITECRM_TRUSTED_PROXIES must be a comma-separated list of addresses or CIDRs');
    }

    // Doctrine DBAL parses the URL's query into connection parameters, so driverOptions[N]=...
    // reaches `new PDO(..., $driverOptions)`. The keys are the PDO constants' numeric values.
    $url = sprintf('mysql://%s:%s@%s:%s/%s', rawurlencode($user), rawurlencode($password), $host, $port, rawurlencode($name));
    $query = [];
    foreach (councilkit_pdo_mysql_options() as $key => $value) {
        $query[] = "driverOptions[$key]=" . rawurlencode(is_bool($value) ? ($value ? '1' : '0') : (string) $value);
    }
    if ($query) {
        $url .= '?' . implode('&', $query);
    }

    $lines = "# Written by councilkit-setup.php at container start from the environment; not shared, not edited by hand.\n"
        . councilkit_dotenv('APP_ENV', 'prod')
        . councilkit_dotenv('APP_DEBUG', '0')
        . councilkit_dotenv('APP_SECRET', $secret)
        . councilkit_dotenv('DATABASE_URL', $url)
        // Both always written: config/packages/councilkit_trusted_proxies.php reads them with
        // %env()%, which fails when a variable is missing.
        . councilkit_dotenv('TRUSTED_HOSTS', councilkit_trusted_hosts($domain))
        . councilkit_dotenv('TRUSTED_PROXIES', $proxies);

    $target = "$root/.env.local";
    $tmp = "$target.councilkit." . getmypid();
    $old = umask(0077);
    $written = file_put_contents($tmp, $lines);
    umask($old);
    if ($written === false || !rename($tmp, $target)) {
        @unlink($tmp);
        councilkit_fail("cannot write $target");
    }
}

function councilkit_copy_missing(string $from, string $to): int
{
    $copied = 0;
    $it = new RecursiveIteratorIterator(
        new RecursiveDirectoryIterator($from, FilesystemIterator::SKIP_DOTS),
        RecursiveIteratorIterator::SELF_FIRST
    );
    foreach ($it as $item) {
        $target = $to . substr($item->getPathname(), strlen($from));
        if ($item->isDir()) {
            if (!is_dir($target) && !mkdir($target, 0750, true) && !is_dir($target)) {
                councilkit_fail("cannot create $target");
            }
        } elseif (!file_exists($target)) {
            if (!copy($item->getPathname(), $target)) {
                councilkit_fail("cannot copy {$item->getPathname()} to $target");
            }
            $copied++;
        }
    }
    return $copied;
}

function councilkit_seed(string $root): void
{
    $release = getenv('SUITECRM_VERSION') ?: 'unknown';
    foreach (COUNCILKIT_SHARED as $name => $relative) {
        // "<version> <path>": a share 1.0.0 seeded at another path is seeded again here.
        $version = "$release $relative";
        $from = COUNCILKIT_SEED_DIR . "/$name";
        $to = "$root/$relative";
        if (!is_dir($from)) {
            continue;
        }
        if (!is_dir($to) && !mkdir($to, 0750, true) && !is_dir($to)) {
            councilkit_fail("cannot create $to");
        }
        $marker = "$to/.councilkit-seeded";
        if (is_file($marker) && trim((string) file_get_contents($marker)) === $version) {
            continue;
        }
        // Replicas starting together: one seeds, the others wait and then see the marker.
        $lock = fopen("$to/.councilkit-seed.lock", 'c');
        if ($lock === false || !flock($lock, LOCK_EX)) {
            councilkit_fail("cannot lock $to for seeding");
        }
        clearstatcache();
        if (!(is_file($marker) && trim((string) file_get_contents($marker)) === $version)) {
            $copied = councilkit_copy_missing($from, $to);
            file_put_contents($marker, $version . "\n");
            echo "councilkit: seeded $to with $copied file(s) shipped by SuiteCRM $release\n";
        }
        flock($lock, LOCK_UN);
        fclose($lock);
    }
}

function councilkit_sync_config(): void
{
    $file = COUNCILKIT_CONFIG_DIR . '/config.php';
    if (!is_file($file)) {
        return; // not installed yet: the install step creates it
    }
    $lock = fopen(COUNCILKIT_CONFIG_DIR . '/.councilkit-config.lock', 'c');
    if ($lock === false || !flock($lock, LOCK_EX)) {
        councilkit_fail('cannot lock the shared config directory');
    }
    $config = (static function (string $path): mixed {
        $sugar_config = null;
        include $path;
        return $sugar_config;
    })($file);
    if (!is_array($config) || !isset($config['dbconfig']) || !is_array($config['dbconfig'])) {
        fwrite(STDERR, "councilkit: $file has no \$sugar_config['dbconfig']; leaving it unchanged\n");
        flock($lock, LOCK_UN);
        fclose($lock);
        return;
    }
    $wanted = [
        'db_host_name' => councilkit_env('SUITECRM_DB_HOST'),
        'db_port' => councilkit_env('SUITECRM_DB_PORT', '3306'),
        'db_name' => councilkit_env('SUITECRM_DB_NAME'),
        'db_user_name' => councilkit_env('SUITECRM_DB_USER'),
        'db_password' => councilkit_env('SUITECRM_DB_PASSWORD'),
    ];
    $updated = $config;
    $updated['dbconfig'] = array_merge($config['dbconfig'], $wanted);
    $url = getenv('SUITECRM_SITE_URL');
    if (is_string($url) && $url !== '') {
        $updated['site_url'] = rtrim($url, '/');
    }
    $domain = getenv('SUITECRM_SITE_DOMAIN');
    if (is_string($domain) && $domain !== '') {
        $updated['host_name'] = $domain;
    }
    if ($updated !== $config) {
        $tmp = COUNCILKIT_CONFIG_DIR . '/.config.php.councilkit.' . getmypid();
        $text = "<?php\n// updated by councilkit-setup.php: database and site entries follow the environment\n"
            . '$sugar_config = ' . var_export($updated, true) . ";\n";
        if (file_put_contents($tmp, $text) === false || !rename($tmp, $file)) {
            @unlink($tmp);
            councilkit_fail("cannot update $file");
        }
        echo "councilkit: updated database/site entries of $file from the environment\n";
    }
    flock($lock, LOCK_UN);
    fclose($lock);
}

// --- main -------------------------------------------------------------------------------------

[$script, $command, $root] = array_pad($argv, 3, null);
if ($root === null || !is_dir($root)) {
    councilkit_fail("usage: php $script patch|start ROOT");
}
$root = rtrim($root, '/');
switch ($command) {
    case 'patch':
        councilkit_patch($root);
        break;
    case 'start':
        if (getenv('COUNCILKIT_SKIP_SETUP') === '1') {
            break;
        }
        councilkit_write_env($root);
        councilkit_seed($root);
        councilkit_sync_config();
        break;
    default:
        councilkit_fail("usage: php $script patch|start ROOT");
}
