//! The context guard: the kubeconfig context an environment's invocations address
//! (`env.toml`'s `[kubernetes] context`, or `AUTO_KUBE_CONTEXT`, either way one of
//! `allowed_contexts`), pinned once per environment per run; and the per-run record of
//! the contexts whose writes were only recorded (dry-run, plan).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::KubectlError;
use crate::process::Effect;
use crate::repo::Environment;

/// The cluster of one environment, as every invocation addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub env: String,
    pub context: String,
}

/// The context for `environment`: its configured one, or `override_context`
/// (`AUTO_KUBE_CONTEXT`) — either way refused unless it is in `allowed_contexts`.
pub fn pin_context(environment: &Environment, override_context: Option<&str>) -> Result<Cluster, KubectlError> {
    let config = &environment.config.kubernetes;
    let context = override_context.filter(|c| !c.is_empty()).unwrap_or(&config.context);
    if !config.allowed_contexts.iter().any(|allowed| allowed == context) {
        return Err(KubectlError::ContextNotAllowed {
            env: environment.name.clone(),
            context: context.to_string(),
            allowed: config.allowed_contexts.clone(),
        });
    }
    Ok(Cluster { env: environment.name.clone(), context: context.to_string() })
}

/// Per-run state: the context pinned for each environment at its first use, and the
/// contexts with writes that were only recorded (dry-run, plan).
#[derive(Default)]
pub struct Session {
    pinned: Mutex<HashMap<String, Cluster>>,
    pending: Mutex<HashSet<String>>,
}

impl Session {
    /// The cluster of `env`, pinned at the first call of the run.
    pub fn cluster(
        &self,
        env: &str,
        resolve: impl FnOnce() -> Result<Cluster, KubectlError>,
    ) -> Result<Cluster, KubectlError> {
        let mut pinned = self.pinned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cluster) = pinned.get(env) {
            return Ok(cluster.clone());
        }
        let cluster = resolve()?;
        pinned.insert(env.to_string(), cluster.clone());
        Ok(cluster)
    }

    pub(super) fn note_recorded_write(&self, cluster: &Cluster) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).insert(cluster.context.clone());
    }

    /// A wait observes what earlier writes did. When those writes were only recorded, the
    /// wait has nothing real to observe: it is recorded too (a write) instead of run.
    pub(super) fn observation_effect(&self, cluster: &Cluster) -> Effect {
        if self.pending.lock().unwrap_or_else(|e| e.into_inner()).contains(&cluster.context) {
            Effect::Write
        } else {
            Effect::Read
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::repo::{BackendConfig, EnvironmentConfig};
    use expect_test::expect;

    fn cluster() -> Cluster {
        Cluster { env: "dev".into(), context: "dev-aks".into() }
    }

    fn environment(context: &str, allowed: &[&str]) -> Environment {
        let toml = format!(
            "[azure]\nsubscription_id = \"s\"\ntenant_id = \"t\"\nlocation = \"westeurope\"\n[naming]\nprefix = \"anl\"\n\
             [backend]\nkind = \"local\"\n[kubernetes]\ncontext = \"{context}\"\nallowed_contexts = {allowed:?}\n\
             [registry]\nserver = \"r\"\n"
        );
        let config: EnvironmentConfig = toml::from_str(&toml).expect("env.toml");
        assert_eq!(config.backend, BackendConfig::Local);
        Environment { name: "dev".into(), dir: PathBuf::from("environments/dev"), config }
    }

    #[test]
    fn the_context_is_pinned_and_guarded() {
        let env = environment("dev-aks", &["dev-aks", "dev-aks-admin"]);
        assert_eq!(pin_context(&env, None).unwrap().context, "dev-aks");
        assert_eq!(pin_context(&env, Some("dev-aks-admin")).unwrap().context, "dev-aks-admin");
        assert_eq!(pin_context(&env, Some("")).unwrap().context, "dev-aks");
        expect!["AUTO_KUBE_CONTEXT=`prod-aks` is not allowed for environment `dev`: allowed contexts are `dev-aks`, `dev-aks-admin`; unset AUTO_KUBE_CONTEXT or add the context to `kubernetes.allowed_contexts` in environments/dev/env.toml"]
            .assert_eq(&pin_context(&env, Some("prod-aks")).unwrap_err().to_string());

        let session = Session::default();
        let first = session.cluster("dev", || Ok(cluster())).unwrap();
        let second = session.cluster("dev", || panic!("resolved twice")).unwrap();
        assert_eq!(first, second);
    }
}
