<?php

/**
 * councilkit (suitecrm blueprint 1.0.1+): Symfony framework settings SuiteCRM 8.10 does not make
 * itself — which proxies and Host names to trust. The image build copies this file to
 * config/packages/councilkit_trusted_proxies.php; SuiteCRM's Kernel loads every
 * config/packages/*.{php,xml,yaml,yml} (core/backend/Kernel.php configureContainer, v8.10.1).
 *
 * Why it is needed: since SuiteCRM moved to Symfony 6.4 (SuiteCRM-Core commit 7e63820f1,
 * "Symfony 6.4 - Update index.php to use autoload_runtime", first in v8.7.0) nothing reads the
 * TRUSTED_PROXIES / TRUSTED_HOSTS environment variables any more: public/index.php only returns
 * the Kernel, core/backend/Composer/Runtime/autoload_runtime.template never calls
 * Request::setTrustedProxies(), and config/packages/framework.yaml sets neither option (all at
 * v8.10.1). Behind the load balancer every client then looks like the load balancer (one address
 * trips the login throttle for everyone) and any Host is answered.
 *
 * Symfony 6.4 reads these three options (symfony/framework-bundle 6.4
 * DependencyInjection/Configuration.php and FrameworkExtension.php: kernel.trusted_proxies is set
 * only when both trusted_proxies and trusted_headers are non-empty; symfony/http-kernel 6.4
 * Kernel::preBoot() then calls Request::setTrustedHosts() and Request::setTrustedProxies()).
 * The values come from .env.local through `%env()%`, resolved when the container is used, not
 * when it is compiled: councilkit-setup.php writes TRUSTED_PROXIES (the load balancer's network,
 * from SUITECRM_TRUSTED_PROXIES; empty trusts nobody) and TRUSTED_HOSTS (one regular expression:
 * the site's domain plus what the health check sends) at every container start.
 */

// @codingStandardsIgnoreFile

namespace Symfony\Component\DependencyInjection\Loader\Configurator;

return static function (ContainerConfigurator $containerConfig) {
    $containerConfig->extension('framework', [
        // Comma-separated addresses/CIDRs; Kernel::preBoot() splits a string on commas.
        'trusted_proxies' => '%env(TRUSTED_PROXIES)%',
        // What the load balancer sets. NOT x-forwarded-host: the Host header itself reaches the
        // app unchanged, and trusting a forwarded host would let a client bypass trusted_hosts.
        'trusted_headers' => ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port'],
        // One pattern; Request::setTrustedHosts() wraps it as {...}i.
        'trusted_hosts' => ['%env(TRUSTED_HOSTS)%'],
    ]);
};
