package threads

import "net/http"

// The memory API (routes in http.go's table):
//
//	GET    /api/v1/threads/{thread_id}/memory          every block of the thread's agent
//	PATCH  /api/v1/threads/{thread_id}/memory/{label}  replace one block's value
//	GET    /api/v1/memory/human                        the user's shared human block
//	PATCH  /api/v1/memory/human                        replace its value
//	DELETE /api/v1/memory/human                        delete it (204, idempotent)

func (o *Orchestrator) handleThreadMemory(w http.ResponseWriter, r *http.Request) error {
	m, err := o.ThreadMemory(r.Context(), identity(r), r.PathValue("thread_id"))
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, m)
}

func (o *Orchestrator) handleEditThreadMemory(w http.ResponseWriter, r *http.Request) error {
	if err := checkThreadID(r.PathValue("thread_id")); err != nil {
		return o.writeError(w, r, err)
	}
	var e MemoryEdit
	if err := o.decodeJSON(w, r, &e); err != nil {
		return o.writeError(w, r, err)
	}
	b, err := o.EditThreadMemory(r.Context(), identity(r), r.PathValue("thread_id"), r.PathValue("label"), e)
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, b)
}

func (o *Orchestrator) handleUserMemory(w http.ResponseWriter, r *http.Request) error {
	b, err := o.UserMemory(r.Context(), identity(r))
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, b)
}

func (o *Orchestrator) handleEditUserMemory(w http.ResponseWriter, r *http.Request) error {
	var e MemoryEdit
	if err := o.decodeJSON(w, r, &e); err != nil {
		return o.writeError(w, r, err)
	}
	b, err := o.EditUserMemory(r.Context(), identity(r), e)
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, b)
}

func (o *Orchestrator) handleDeleteUserMemory(w http.ResponseWriter, r *http.Request) error {
	if err := o.DeleteUserMemory(r.Context(), identity(r)); err != nil {
		return o.writeError(w, r, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
