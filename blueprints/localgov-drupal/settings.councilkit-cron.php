<?php

/**
 * @file
 * councilkit (localgov-drupal 1.0.1): cron runs only from the scheduled cron container.
 *
 * The localgov install profile installs core's automated_cron module (localgov.info.yml, install:
 * "drupal:automated_cron", in every tagged release we could read, 1.x to 3.0.12), which runs cron
 * at the end of a web request once its interval has passed. Beside councilkit's scheduled
 * `drush cron` task that means two cron runs at once and slow page loads for the unlucky visitor.
 *
 * Core runs it only when the interval is above zero (automated_cron
 * src/EventSubscriber/AutomatedCron.php, onTerminate(): `if ($interval > 0)`), so an interval of 0
 * turns it off. It is set here as a configuration override, not in the active configuration: core's
 * default.settings.php ("Configuration overrides") says values set in $config win over the stored
 * configuration and are not part of it, so neither a `drush config:import` of an exported
 * configuration nor a change in the admin UI can turn it back on.
 *
 * Included at the end of web/sites/default/settings.php, after settings.councilkit.php (see
 * Dockerfile-1.0.1).
 */

// @codingStandardsIgnoreFile

$config['automated_cron.settings']['interval'] = 0;
