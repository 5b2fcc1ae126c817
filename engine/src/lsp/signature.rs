//! Signature help while a call's arguments are typed: the overloads of the called
//! function (auto's from the reference, a module's or the script's `fn` from its
//! declaration) with the argument the cursor is in as the active parameter.

use lsp_types::{ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation};

use super::completion::markdown;
use super::document::Document;
use crate::script::reference::api::Signature;

pub fn signature_help(doc: &Document, offset: usize) -> Option<SignatureHelp> {
    let place = super::scan::place(doc.source(), offset);
    let (name, argument, _) = place.call()?;
    let signatures: Vec<SignatureInformation> = match name.rsplit_once("::") {
        Some((alias, function)) if doc.is_alias(alias) => {
            let module = doc.imported(alias)?;
            let f = module.public_functions().find(|f| f.name == function)?;
            vec![information(name, &f.params, "", Some(f.doc.clone()))]
        }
        _ => match doc.outline.functions.iter().find(|f| f.name == name) {
            Some(own) => vec![information(name, &own.params, "", Some(own.doc.clone()))],
            None => {
                let f = doc.reference.function(name)?;
                let summary = f.doc.split("\n\n").next().map(str::to_string);
                f.signatures
                    .iter()
                    .filter_map(|s| Signature::parse(s).ok())
                    .map(|s| {
                        let params: Vec<String> = s.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                        information(name, &params, &format!(" -> {}", s.ret), summary.clone())
                    })
                    .collect()
            }
        },
    };
    // The first overload with room for the argument the cursor is in.
    let active = signatures.iter().position(|s| s.parameters.as_ref().is_some_and(|p| p.len() > argument)).unwrap_or(0);
    Some(SignatureHelp { signatures, active_signature: Some(active as u32), active_parameter: Some(argument as u32) })
}

/// `name(a: T, b: U) -> R` with each parameter's place in that label.
fn information(name: &str, params: &[String], ret: &str, doc: Option<String>) -> SignatureInformation {
    let mut label = format!("{name}(");
    let mut parameters = Vec::new();
    for (index, param) in params.iter().enumerate() {
        if index > 0 {
            label.push_str(", ");
        }
        let start = label.encode_utf16().count() as u32;
        label.push_str(param);
        parameters.push(ParameterInformation {
            label: ParameterLabel::LabelOffsets([start, label.encode_utf16().count() as u32]),
            documentation: None,
        });
    }
    label.push(')');
    label.push_str(ret);
    SignatureInformation {
        label,
        documentation: doc.filter(|d| !d.trim().is_empty()).map(markdown),
        parameters: Some(parameters),
        active_parameter: None,
    }
}
