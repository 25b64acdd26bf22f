CREATE TABLE `artifacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`iteration_id` integer NOT NULL,
	`arch` text NOT NULL,
	`build_id` integer NOT NULL,
	`file_name` text NOT NULL,
	`size` integer NOT NULL,
	`entry` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`build_id`) REFERENCES `builds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `artifacts_file` ON `artifacts` (`iteration_id`,`arch`,`file_name`);--> statement-breakpoint
CREATE TABLE `build_logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`build_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`offset` integer NOT NULL,
	`text` text NOT NULL,
	FOREIGN KEY (`build_id`) REFERENCES `builds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `build_logs_build` ON `build_logs` (`build_id`,`offset`);--> statement-breakpoint
CREATE TABLE `builds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`iteration_id` integer NOT NULL,
	`namespace_id` integer NOT NULL,
	`arch` text NOT NULL,
	`pkgbase` text NOT NULL,
	`commit` text NOT NULL,
	`ref` text NOT NULL,
	`position` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`failure_reason` text,
	`spec` text NOT NULL,
	`lease_id` text,
	`lease_worker` text,
	`lease_expires_at` integer,
	`pipeline_id` integer,
	`pipeline_url` text,
	`started_at` text,
	`finished_at` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `builds_node` ON `builds` (`iteration_id`,`arch`,`pkgbase`);--> statement-breakpoint
CREATE INDEX `builds_status` ON `builds` (`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `builds_lease` ON `builds` (`lease_id`);--> statement-breakpoint
CREATE TABLE `iterations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`namespace_id` integer NOT NULL,
	`reason` text NOT NULL,
	`diff` text,
	`origins` text NOT NULL,
	`origin_changesets` text NOT NULL,
	`graph` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iterations_namespace` ON `iterations` (`namespace_id`,`id`);--> statement-breakpoint
CREATE TABLE `namespaces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`origin_changesets` text NOT NULL,
	`include` text NOT NULL,
	`origins_edited_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `namespaces_name_unique` ON `namespaces` (`name`);--> statement-breakpoint
CREATE TABLE `workers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`architectures` text DEFAULT '[]' NOT NULL,
	`last_seen` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workers_name_unique` ON `workers` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `workers_token_hash_unique` ON `workers` (`token_hash`);