ALTER TABLE `artifacts` ADD `staged` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `builds` ADD `pkgrel_bump` text;--> statement-breakpoint
ALTER TABLE `namespaces` ADD `bump` text DEFAULT 'rebuild' NOT NULL;