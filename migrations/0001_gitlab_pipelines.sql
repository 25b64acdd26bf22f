CREATE TABLE `pipelines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`build_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`project` text NOT NULL,
	`ref` text NOT NULL,
	`token_hash` text NOT NULL,
	`state` text NOT NULL,
	`project_id` integer,
	`pipeline_id` integer,
	`web_url` text,
	`gitlab_status` text,
	`note` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`build_id`) REFERENCES `builds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipelines_token` ON `pipelines` (`token_hash`);--> statement-breakpoint
CREATE INDEX `pipelines_state` ON `pipelines` (`state`);--> statement-breakpoint
CREATE INDEX `pipelines_build` ON `pipelines` (`build_id`);