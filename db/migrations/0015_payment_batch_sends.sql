CREATE TABLE "payment_batch_sends" (
	"list_id" uuid NOT NULL,
	"batch_no" integer NOT NULL,
	"sends" integer DEFAULT 1 NOT NULL,
	"last_send_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_batch_sends_list_id_batch_no_pk" PRIMARY KEY("list_id","batch_no")
);
--> statement-breakpoint
ALTER TABLE "payment_batch_sends" ADD CONSTRAINT "payment_batch_sends_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Whether a payment may have reached its agency: an attempt recorded, or its batch handed over at or
-- after the payment became pending (a send whose answers were never recorded: a worker killed mid-call).
-- Such a payment is asked by its key before any resend and cannot be cancelled. The one definition,
-- used by the batch activity, the operators' actions and the API.
CREATE FUNCTION payment_handed_over(attempts integer, list_id uuid, batch_no integer, updated_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT $1 > 0 OR EXISTS (SELECT 1 FROM payment_batch_sends s WHERE s.list_id = $2 AND s.batch_no = $3 AND s.last_send_at >= $4)
$$;
