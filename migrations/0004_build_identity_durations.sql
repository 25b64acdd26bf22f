ALTER TABLE `builds` ADD `identity` text;--> statement-breakpoint
ALTER TABLE `builds` ADD `reused_from_build` integer;--> statement-breakpoint
ALTER TABLE `builds` ADD `reused_from_iteration` integer;--> statement-breakpoint
ALTER TABLE `builds` ADD `duration_ms` integer;--> statement-breakpoint
CREATE INDEX `builds_identity` ON `builds` (`namespace_id`,`identity`);--> statement-breakpoint
CREATE INDEX `builds_history` ON `builds` (`arch`,`pkgbase`,`status`);--> statement-breakpoint
UPDATE `builds` SET `duration_ms` = CAST(round((julianday(`finished_at`) - julianday(`started_at`)) * 86400000) AS integer) WHERE `status` IN ('built', 'failed') AND `started_at` IS NOT NULL AND `finished_at` IS NOT NULL;
