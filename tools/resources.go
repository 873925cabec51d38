package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Records and attachment contents are MCP resources, so that clients which
// show resources can open what a tool names, and agents can pass a file
// around by URI instead of by value. Both read as the calling user, through
// the same policy as the tools (model lists; reading is allowed in
// read-only mode, as the retriever is).

const (
	// RecordTemplate is one record as JSON, with the retriever's default
	// fields.
	RecordTemplate = "odoo://{model}/{id}"
	// AttachmentTemplate is an ir.attachment's file, as a blob with its
	// MIME type.
	AttachmentTemplate = "odoo://ir.attachment/{id}/content"
	// DefaultMaxAttachmentBytes caps an attachment read or created through
	// odoo-mcp when the configuration names no cap.
	DefaultMaxAttachmentBytes = 10 << 20
)

// RecordURI is the resource URI of one record.
func RecordURI(model string, id int64) string {
	return "odoo://" + model + "/" + strconv.FormatInt(id, 10)
}

// AttachmentURI is the resource URI of an attachment's content.
func AttachmentURI(id int64) string {
	return "odoo://ir.attachment/" + strconv.FormatInt(id, 10) + "/content"
}

// ResourceCallerFunc resolves the caller of a resources/read request. An
// error refuses the read.
type ResourceCallerFunc func(ctx context.Context, req *mcp.ReadResourceRequest) (Caller, error)

func registerResources(s *mcp.Server, e *env) {
	s.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "odoo_record",
		Title:       "Odoo record",
		URITemplate: RecordTemplate,
		MIMEType:    "application/json",
		Description: `One Odoo record as JSON, read as the calling Odoo user with the compact default fields of odoo_record_retriever, e.g. odoo://res.partner/7.`,
		Icons:       ToolIcons("odoo_record_retriever"),
	}, e.readRecordResource)
	s.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "odoo_attachment_content",
		Title:       "Odoo attachment file",
		URITemplate: AttachmentTemplate,
		Description: fmt.Sprintf(`The file of an Odoo attachment (ir.attachment), with the MIME type Odoo stored, read as the calling Odoo user, e.g. odoo://ir.attachment/12/content. Files above %s are refused.`, humanBytes(e.maxAttachment())),
		Icons:       ToolIcons("odoo_record_retriever"),
	}, e.readAttachmentResource)
}

func (e *env) maxAttachment() int64 {
	if e.MaxAttachmentBytes > 0 {
		return e.MaxAttachmentBytes
	}
	return DefaultMaxAttachmentBytes
}

// parseRecordURI splits odoo://<model>/<id>.
func parseRecordURI(uri string) (model string, id int64, err error) {
	rest, ok := strings.CutPrefix(uri, "odoo://")
	if !ok {
		return "", 0, argErrorf("resource URI %q does not start with odoo://", uri)
	}
	model, idText, ok := strings.Cut(rest, "/")
	if !ok || model == "" {
		return "", 0, argErrorf("resource URI %q is not odoo://<model>/<id>, e.g. odoo://res.partner/7", uri)
	}
	id, err = strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, argErrorf("resource URI %q: %q is not a record id (a positive integer)", uri, idText)
	}
	return model, id, nil
}

func (e *env) resourceCaller(ctx context.Context, req *mcp.ReadResourceRequest) (Caller, error) {
	if e.ResourceCaller == nil {
		return Caller{}, errors.New("no caller resolver configured")
	}
	return e.ResourceCaller(ctx, req)
}

// readRecordResource serves odoo://<model>/<id>: one read, plus fields_get
// the first time a model is seen (cached, as for the retriever).
func (e *env) readRecordResource(ctx context.Context, req *mcp.ReadResourceRequest) (res *mcp.ReadResourceResult, err error) {
	defer e.recoverResource(ctx, &res, &err)
	uri := req.Params.URI
	model, id, err := parseRecordURI(uri)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	e.auditResource(ctx, model, id)
	if err := e.Policy.checkModel(model); err != nil {
		return nil, resourceError(uri, err)
	}
	c, err := e.resourceCaller(ctx, req)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	all, err := e.fieldsOf(ctx, c, model)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: model, Method: "read", IDs: []int64{id},
		Kwargs: map[string]any{"fields": defaultFields(all)}})
	if err != nil {
		return nil, resourceError(uri, err)
	}
	rows, err := splitArray(raw)
	if err != nil {
		return nil, resourceError(uri, fmt.Errorf("read: %w", err))
	}
	if len(rows) == 0 {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	return &mcp.ReadResourceResult{
		// Records change and are the caller's own view: never cached.
		Cacheable: mcp.Cacheable{TTLMs: 0, CacheScope: "private"},
		Contents:  []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(rows[0])}},
	}, nil
}

// attachmentMeta is what is read before the content, to refuse a file
// above the cap without transferring it.
type attachmentMeta struct {
	ID       int64           `json:"id"`
	Name     json.RawMessage `json:"name"`
	Mimetype json.RawMessage `json:"mimetype"`
	FileSize int64           `json:"file_size"`
	Type     json.RawMessage `json:"type"`
	URL      json.RawMessage `json:"url"`
	ResModel json.RawMessage `json:"res_model"`
}

// odooText reads an Odoo char value: a string, or false for empty.
func odooText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// readAttachmentResource serves odoo://ir.attachment/<id>/content: two
// reads, the size first and the content only when it is under the cap.
func (e *env) readAttachmentResource(ctx context.Context, req *mcp.ReadResourceRequest) (res *mcp.ReadResourceResult, err error) {
	defer e.recoverResource(ctx, &res, &err)
	uri := req.Params.URI
	idText, ok := strings.CutSuffix(strings.TrimPrefix(uri, "odoo://ir.attachment/"), "/content")
	id, perr := strconv.ParseInt(idText, 10, 64)
	if !ok || perr != nil || id <= 0 {
		return nil, resourceError(uri, argErrorf("resource URI %q is not odoo://ir.attachment/<id>/content", uri))
	}
	e.auditResource(ctx, "ir.attachment", id)
	if err := e.Policy.checkModel("ir.attachment"); err != nil {
		return nil, resourceError(uri, err)
	}
	c, err := e.resourceCaller(ctx, req)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: "ir.attachment", Method: "read", IDs: []int64{id},
		Kwargs: map[string]any{"fields": []string{"name", "mimetype", "file_size", "type", "url", "res_model"}}})
	if err != nil {
		return nil, resourceError(uri, err)
	}
	var metas []attachmentMeta
	if err := json.Unmarshal(raw, &metas); err != nil {
		return nil, resourceError(uri, fmt.Errorf("%w: read of ir.attachment: %v", odoorpc.ErrProtocol, err))
	}
	if len(metas) == 0 {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	meta := metas[0]
	if odooText(meta.Type) == "url" {
		return nil, resourceError(uri, argErrorf("attachment %d is a link to %s, not a stored file: fetch that URL instead", id, odooText(meta.URL)))
	}
	// An attachment belongs to a record: a model the policy refuses keeps
	// its files too.
	if owner := odooText(meta.ResModel); owner != "" {
		if reason, ok := e.Policy.modelAllowed(owner); !ok {
			return nil, resourceError(uri, &PolicyError{Msg: fmt.Sprintf("attachment %d belongs to a %s record; model %s is not available through odoo-mcp (%s)", id, owner, owner, reason)})
		}
	}
	limit := e.maxAttachment()
	if meta.FileSize > limit {
		return nil, resourceError(uri, tooLarge(fmt.Sprintf("attachment %d (%s) is %s", id, odooText(meta.Name), humanBytes(meta.FileSize)), limit))
	}
	content, err := e.attachmentContent(ctx, c, id)
	if err != nil {
		return nil, resourceError(uri, err)
	}
	if int64(len(content)) > limit {
		return nil, resourceError(uri, tooLarge(fmt.Sprintf("attachment %d (%s) is %s", id, odooText(meta.Name), humanBytes(int64(len(content)))), limit))
	}
	mime := odooText(meta.Mimetype)
	if mime == "" {
		mime = "application/octet-stream"
	}
	return &mcp.ReadResourceResult{
		Cacheable: mcp.Cacheable{TTLMs: 0, CacheScope: "private"},
		Contents:  []*mcp.ResourceContents{{URI: uri, MIMEType: mime, Blob: content}},
	}, nil
}

// attachmentContent reads the file of one attachment: datas is its base64
// content on Odoo 16 to 19. bin_size is forced off for this read: with it
// on (a configured context, say) Odoo answers a size such as "1.20 Kb"
// instead of the content.
func (e *env) attachmentContent(ctx context.Context, c Caller, id int64) ([]byte, error) {
	callCtx := make(map[string]any, len(c.Context)+1)
	for k, v := range c.Context {
		callCtx[k] = v
	}
	callCtx["bin_size"] = false
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: "ir.attachment", Method: "read", IDs: []int64{id},
		Kwargs: map[string]any{"fields": []string{"datas"}}, Context: callCtx})
	if err != nil {
		var oe *odoorpc.Error
		if errors.As(err, &oe) && strings.Contains(oe.Message, "datas") {
			return nil, fmt.Errorf("%s (Odoo 20 removed ir.attachment.datas; odoo-mcp reads attachment files through it on Odoo 16 to 19)", describe(err))
		}
		return nil, err
	}
	var rows []struct {
		Datas json.RawMessage `json:"datas"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("%w: read of ir.attachment.datas: %v", odoorpc.ErrProtocol, err)
	}
	if len(rows) == 0 {
		return nil, &odoorpc.Error{Kind: odoorpc.ErrMissing, Message: fmt.Sprintf("attachment %d no longer exists", id)}
	}
	b64 := odooText(rows[0].Datas)
	if b64 == "" {
		return []byte{}, nil
	}
	content, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: ir.attachment.datas is not base64 (is bin_size set in ODOO_CONTEXT?)", odoorpc.ErrProtocol)
	}
	return content, nil
}

// SizeError is content above the configured attachment cap.
type SizeError struct{ Msg string }

func (e *SizeError) Error() string { return e.Msg }

func tooLarge(what string, limit int64) error {
	return &SizeError{Msg: fmt.Sprintf("%s, above odoo-mcp's limit of %s for attachment content (ODOO_MCP_MAX_ATTACHMENT_BYTES)", what, humanBytes(limit))}
}

// humanBytes writes a size for people: 512 bytes, 1.5 KiB, 10 MiB.
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), "0"), ".") + " KiB"
	}
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), "0"), ".") + " MiB"
}

// resourceError is the JSON-RPC error of a failed resources/read:
// resources have no isError result, so the one-line text an agent would
// see from a tool becomes the error message. What the caller can fix
// (a bad URI, the policy, the size cap, a missing record) is invalid
// params; the rest is an internal error.
func resourceError(uri string, err error) error {
	var (
		pe *PolicyError
		se *SizeError
		ae *ArgumentError
		oe *odoorpc.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &oe) && errors.Is(oe, odoorpc.ErrMissing):
		return mcp.ResourceNotFoundError(uri)
	case errors.As(err, &pe), errors.As(err, &se), errors.As(err, &ae):
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: describe(err)}
	case errors.As(err, &oe) && (errors.Is(oe, odoorpc.ErrAccessError) || errors.Is(oe, odoorpc.ErrAccessDenied) ||
		errors.Is(oe, odoorpc.ErrUnknownModel) || errors.Is(oe, odoorpc.ErrValidation) || errors.Is(oe, odoorpc.ErrUserError) ||
		errors.Is(oe, odoorpc.ErrInvalidArguments)):
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: describe(err)}
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: describe(err)}
}

// recoverResource turns a panic into an internal error: none crosses a
// request.
func (e *env) recoverResource(ctx context.Context, res **mcp.ReadResourceResult, err *error) {
	if r := recover(); r != nil {
		e.Logger.ErrorContext(ctx, "resource read panicked", "panic", fmt.Sprint(r))
		*res, *err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error in odoo-mcp; the read was not completed"}
	}
}

func (e *env) auditResource(ctx context.Context, model string, id int64) {
	if a := auditOf(ctx); a != nil {
		a.Model, a.IDs = model, []int64{id}
	}
}
