CREATE TYPE "public"."import_kind" AS ENUM('initial', 'update');--> statement-breakpoint
CREATE TYPE "public"."import_status" AS ENUM('queued', 'running', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."register_format" AS ENUM('csv', 'ndjson');--> statement-breakpoint
CREATE TYPE "public"."sex" AS ENUM('F', 'M');--> statement-breakpoint
CREATE TABLE "communes" (
	"code" text PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"cercle" text NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "households" (
	"rsu_id" text PRIMARY KEY NOT NULL,
	"head_name" text NOT NULL,
	"sex" "sex" NOT NULL,
	"birth_year" smallint NOT NULL,
	"nina" text,
	"phone" text,
	"commune_code" text NOT NULL,
	"village" text NOT NULL,
	"household_size" smallint NOT NULL,
	"food_insecure" boolean NOT NULL,
	"covid_case" boolean NOT NULL,
	"covid_hit" boolean NOT NULL,
	"welfare_score" real,
	"last_import_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "households_size_range" CHECK ("households"."household_size" between 1 and 60)
);
--> statement-breakpoint
CREATE TABLE "regions" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "register_import_errors" (
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"field" text NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "register_import_errors_import_id_row_number_field_pk" PRIMARY KEY("import_id","row_number","field")
);
--> statement-breakpoint
CREATE TABLE "register_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_name" text NOT NULL,
	"file_path" text NOT NULL,
	"format" "register_format" NOT NULL,
	"kind" "import_kind" NOT NULL,
	"status" "import_status" DEFAULT 'queued' NOT NULL,
	"bytes_total" bigint NOT NULL,
	"checkpoint" jsonb,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"rows_accepted" integer DEFAULT 0 NOT NULL,
	"rows_rejected" integer DEFAULT 0 NOT NULL,
	"rows_inserted" integer DEFAULT 0 NOT NULL,
	"rows_updated" integer DEFAULT 0 NOT NULL,
	"failure" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "communes" ADD CONSTRAINT "communes_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "register_import_errors" ADD CONSTRAINT "register_import_errors_import_id_register_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."register_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "communes_region_idx" ON "communes" USING btree ("region_code");--> statement-breakpoint
CREATE INDEX "households_commune_idx" ON "households" USING btree ("commune_code");--> statement-breakpoint
CREATE INDEX "households_nina_idx" ON "households" USING hash ("nina");--> statement-breakpoint
CREATE INDEX "households_phone_idx" ON "households" USING hash ("phone");